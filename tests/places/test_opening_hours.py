"""Opening hours on the places pages: valid but undescribed, unknown, invalid."""

import datetime as dt
from html import unescape

from django.urls import reverse

from pollen import clock
from pollen.clock import PARIS
from pollen.places.forms import PlaceForm
from pollen.places.records import check_opening_hours

DIRECTORY = reverse("places:directory")


def at_paris(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=PARIS)


def test_it_keeps_valid_hours_it_cannot_describe_and_still_says_open_or_closed(
    client, territory, make_place
):
    place = make_place("Fablab de Noël", "35238", opening_hours="Mo-Su 10:00-18:00; Dec 25 off")
    assert place.opening_hours_parsed and place.opening_hours_error == ""
    with clock.override(at_paris(2026, 12, 25, 11, 0)):
        page = unescape(client.get(reverse("places:detail", args=[place.pk])).content.decode())
    assert "<code>Mo-Su 10:00-18:00; Dec 25 off</code>" in page
    assert "Syntaxe non prise en charge par la description" in page
    assert 'data-status="closed"' in page and "invalide" not in page
    with clock.override(at_paris(2026, 12, 24, 11, 0)):
        names = [p.name for p, _d in client.get(DIRECTORY, {"open_now": "on"}).context["rows"]]
    assert names == ["Fablab de Noël"]


def test_it_says_an_appointment_only_place_is_unknown_not_open(client, territory, make_place):
    place = make_place(
        "Fablab sur appel", "35238", opening_hours='Mo-Fr 09:00-18:00 "appeler avant"'
    )
    with clock.override(at_paris(2026, 1, 5, 10, 0)):  # a Monday
        page = unescape(client.get(reverse("places:detail", args=[place.pk])).content.decode())
        rows = client.get(DIRECTORY, {"open_now": "on"}).context["rows"]
    assert 'data-status="unknown"' in page and "Ouverture à confirmer" in page
    assert "lundi – vendredi : 09:00–18:00 (appeler avant)" in page
    assert rows == []


def test_it_calls_invalid_only_what_the_library_refuses() -> None:
    assert check_opening_hours("easter off; sunrise-sunset") == (True, "")
    parsed, error = check_opening_hours("Mo-Fr 9h-18h")
    assert not parsed and error.startswith("Horaires invalides : « 9h-18h »")
    form = PlaceForm(data={"opening_hours": "Lu-Ve 9h-18h"})
    form.is_valid()
    assert "Horaires invalides" in form.errors["opening_hours"][0]
    form = PlaceForm(data={"opening_hours": "week 01-53/2 Mo 10:00-12:00"})
    form.is_valid()
    assert "opening_hours" not in form.errors
