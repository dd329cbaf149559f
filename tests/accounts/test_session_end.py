"""Sessions end: after an idle hour for staff (longer for others), and everywhere on request."""

import datetime as dt

from django.test import Client

from pollen import clock

NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=clock.PARIS)


def _at(minutes):
    return clock.override(NOW + dt.timedelta(minutes=minutes))


def test_an_idle_staff_session_ends_after_an_hour(client, personas):
    with _at(0):
        client.force_login(personas["instructor"])
        assert client.get("/espace/").status_code == 200
    with _at(59):
        assert client.get("/espace/").status_code == 200  # activity keeps it alive
    with _at(59 + 61):
        gone = client.get("/espace/")
    assert gone.status_code == 302 and gone["Location"].startswith("/connexion/")
    with _at(59 + 62):
        assert client.get("/espace/").status_code == 302  # signed out, not just redirected


def test_an_applicant_has_longer_and_htmx_goes_to_the_login_page(client, personas, settings):
    with _at(0):
        client.force_login(personas["applicant"])
        client.get("/espace/")
    with _at(90):
        assert client.get("/espace/").status_code == 200  # 1 h 30 idle: still in
    with _at(90 + settings.SESSION_IDLE_S // 60 + 1):
        fragment = client.get("/espace/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 204 and fragment["HX-Redirect"].startswith("/connexion/")


def test_signing_out_everywhere_ends_the_other_devices_sessions(personas):
    phone, laptop = Client(), Client()
    for device in (phone, laptop):
        device.force_login(personas["applicant"])
        assert device.get("/espace/").status_code == 200
    laptop.post("/espace/deconnexion-partout/")
    assert phone.get("/espace/").status_code == 302
    assert laptop.get("/espace/").status_code == 302
