"""Sessions and the signed-in user are read with plain SQL: still revocable, still checked."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from pollen.demo.personas import DEMO_PASSWORD

DASHBOARD = "accounts:dashboard"


def signed_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(reverse(DASHBOARD)).status_code == 200
    return client.cookies["sessionid"].value


def is_signed_in(client) -> bool:
    return client.get(reverse(DASHBOARD)).status_code == 200


def test_a_signed_in_applicant_stays_signed_in(client, personas):
    signed_in(client, personas["applicant"])
    assert is_signed_in(client)
    assert client.get(reverse(DASHBOARD)).context["user"] == personas["applicant"]


def test_a_session_cookie_is_worthless_after_logout(client, personas):
    key = signed_in(client, personas["applicant"])
    client.post(reverse("accounts:logout"))
    client.cookies["sessionid"] = key  # replayed by whoever kept it
    assert not is_signed_in(client)
    assert not Session.objects.filter(session_key=key).exists()


def test_an_expired_session_signs_out(client, personas):
    key = signed_in(client, personas["applicant"])
    Session.objects.filter(session_key=key).update(
        expire_date=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    assert not is_signed_in(client)


@pytest.mark.parametrize("change", ["deactivated", "password changed"])
def test_a_deactivated_account_or_a_new_password_signs_out(client, personas, change):
    user = personas["applicant"]
    signed_in(client, user)
    if change == "deactivated":
        user.is_active = False
    else:
        user.set_password("un tout autre mot de passe")
    user.save()
    assert not is_signed_in(client)
