"""The directory search: one form for machine, distance, kind and opening hours; clear errors."""

import datetime as dt
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pollen import clock
from pollen.clock import PARIS
from pollen.places.models import PlaceKind, PlaceStatus

URL = reverse("places:directory")


def page_text(response) -> str:
    return unescape(response.content.decode())


def names(response) -> list[str]:
    return [place.name for place, _distance in response.context["rows"]]


@pytest.fixture
def breton(finistere, make_place):
    make_place(
        "Fablab de Quimper", "29232", machines=["laser_cutter"], opening_hours="Tu-Sa 14:00-19:00"
    )
    make_place(
        "Fablab de Douarnenez",
        "29046",
        machines=["laser_cutter", "wood"],
        opening_hours="Sa 10:00-18:00",
    )
    make_place(
        "Fablab de Concarneau",
        "29039",
        machines=["laser_cutter"],
        opening_hours="Mo-Fr 09:00-17:00",
    )
    make_place(
        "Fablab de Morlaix", "29151", machines=["laser_cutter"], opening_hours="Sa 10:00-18:00"
    )
    make_place(
        "Makerspace de Quimper",
        "29232",
        kind=PlaceKind.MAKERSPACE,
        machines=["laser_cutter"],
        opening_hours="Sa 10:00-12:00",
    )
    make_place(
        "EPN de Quimper", "29232", kind=PlaceKind.DIGITAL_SPACE, opening_hours="Sa 10:00-12:00"
    )
    make_place(
        "Fablab fermé",
        "29046",
        machines=["laser_cutter"],
        opening_hours="Sa 10:00-18:00",
        status=PlaceStatus.CLOSED,
    )


def test_a_laser_cutter_within_30_km_of_quimper_open_on_saturday_is_one_form(client, breton):
    response = client.get(
        URL,
        {
            "machine": "laser_cutter",
            "near": "Quimper",
            "radius_km": "30",
            "day": "saturday",
            "kind": "fablab",
        },
    )
    assert response.status_code == 200
    # Concarneau is closed on Saturdays, Morlaix is 65 km away, the makerspace is no fablab.
    assert names(response) == ["Fablab de Quimper", "Fablab de Douarnenez"]
    distances = [d for _p, d in response.context["rows"]]
    assert distances[0] == pytest.approx(0.0, abs=1e-6) and 10 < distances[1] < 20
    assert "Distance" in page_text(response)


def test_without_a_radius_places_are_sorted_by_distance(client, breton):
    response = client.get(URL, {"near": "29000", "machine": "laser_cutter"})
    assert names(response)[-1] == "Fablab de Morlaix"
    distances = [d for _p, d in response.context["rows"]]
    assert distances == sorted(distances)


def test_it_searches_by_name_commune_or_postal_code(client, breton):
    assert names(client.get(URL, {"q": "douarn"})) == ["Fablab de Douarnenez"]
    assert set(names(client.get(URL, {"q": "Quimper"}))) == {
        "Fablab de Quimper",
        "Makerspace de Quimper",
        "EPN de Quimper",
    }
    assert names(client.get(URL, {"q": "29900"})) == ["Fablab de Concarneau"]
    assert names(client.get(URL, {"status": "closed"})) == ["Fablab fermé"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"near": "Quimper", "radius_km": "0"},
            "radius_km",
            "Le rayon doit être strictement positif (reçu : 0 km).",
        ),
        (
            {"near": "Quimper", "radius_km": "-5"},
            "radius_km",
            "Le rayon doit être strictement positif (reçu : -5 km).",
        ),
        (
            {"near": "Quimper", "radius_km": "abc"},
            "radius_km",
            "Le rayon doit être un nombre de kilomètres (reçu : « abc »).",
        ),
        ({"near": "Atlantide"}, "near", "Commune inconnue : « Atlantide »."),
        ({"radius_km": "30"}, "near", "Indiquez la commune autour de laquelle chercher."),
        ({"machine": "teleporteur"}, "machine", "Machine inconnue : « teleporteur »."),
        ({"kind": "chateau"}, "kind", "Type de lieu inconnu : « chateau »."),
        ({"day": "funday"}, "day", "Jour inconnu : « funday »."),
        ({"date": "31/02/2026"}, "date", "Saisissez une date valide"),
        ({"date": "garbage"}, "date", "Saisissez une date valide"),
        ({"date": "9999-12-31"}, "date", "Choisissez une date entre 2000 et 2100."),
        ({"date": "0001-01-01"}, "date", "Choisissez une date entre 2000 et 2100."),
        ({"date": "10000-01-01"}, "date", "Saisissez une date valide"),
    ],
)
def test_bad_input_is_said_in_french_at_the_field_never_a_500(
    client, breton, params, field, message
):
    response = client.get(URL, params)
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    html = page_text(response)
    assert f'id="id_{field}-error"' in html and 'aria-invalid="true"' in html
    assert response.context["rows"] == []


def at_paris(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def test_night_hours_count_for_the_next_morning_and_for_its_weekday(client, territory, make_place):
    make_place("Fablab de nuit", "35238", opening_hours="Fr 20:00-02:00")
    make_place("Fablab de jour", "35238", opening_hours="Mo-Fr 09:00-18:00")
    with clock.override(at_paris(2026, 1, 10, 1, 30)):  # Saturday 01:30
        assert names(client.get(URL, {"open_now": "on"})) == ["Fablab de nuit"]
    with clock.override(at_paris(2026, 1, 10, 3, 0)):
        assert names(client.get(URL, {"open_now": "on"})) == []
    assert names(client.get(URL, {"day": "saturday"})) == ["Fablab de nuit"]
    assert names(client.get(URL, {"day": "sunday"})) == []


def test_public_holidays_are_handled_and_said_so(client, territory, make_place):
    make_place("Fablab PH off", "35238", opening_hours="Mo-Fr 09:00-18:00; PH off")
    make_place("Fablab sans PH", "35238", opening_hours="Mo-Fr 09:00-18:00")
    make_place("Fablab PH matin", "35238", opening_hours="Mo-Fr 09:00-18:00; PH 10:00-12:00")
    holiday = client.get(URL, {"date": "2026-05-01"})  # 1 May, a Friday
    assert names(holiday) == ["Fablab PH matin", "Fablab sans PH"]
    assert "Le jour choisi (1er mai 2026) est un jour férié" in page_text(holiday)
    ordinary = client.get(URL, {"date": "2026-05-04"})
    assert len(names(ordinary)) == 3 and "jour férié" not in str(
        ordinary.context["outcome"].holiday_notes
    )
    with clock.override(at_paris(2026, 5, 1, 15, 0)):
        response = client.get(URL, {"open_now": "on"})
    assert names(response) == ["Fablab sans PH"]
    assert "Aujourd'hui (1er mai 2026) est un jour férié" in page_text(response)
    assert "ignore les jours fériés" in page_text(response)  # the page says what it does


def test_alsace_moselle_holidays_apply_only_there(client, territory, make_place):
    from pollen.territory.models import Commune, Departement

    Departement.objects.create(code="67", name="Bas-Rhin", region_id="11")
    Commune.objects.create(
        code="67482",
        name="Strasbourg",
        search_name="strasbourg",
        departement_id="67",
        region_id="11",
        population=290000,
        latitude=48.5734,
        longitude=7.7521,
        postal_codes="67000",
    )
    make_place("Fablab de Strasbourg", "67482", opening_hours="Mo-Sa 09:00-18:00; PH off")
    make_place("Fablab de Rennes", "35238", opening_hours="Mo-Sa 09:00-18:00; PH off")
    response = client.get(URL, {"date": "2026-12-26"})  # Saint-Étienne, a Saturday
    assert names(response) == ["Fablab de Rennes"]
    assert "férié en Alsace-Moselle" in page_text(response)


def test_places_without_readable_hours_are_left_out_and_counted(client, territory, make_place):
    make_place("Sans horaires", "35238")
    make_place("Horaires lisibles", "35238", opening_hours="Sa 10:00-12:00")
    from pollen.places.models import Place

    Place.objects.filter(name="Sans horaires").update(
        opening_hours="sur rendez-vous", opening_hours_parsed=False
    )
    response = client.get(URL, {"day": "saturday"})
    assert names(response) == ["Horaires lisibles"]
    assert "1 lieu sans horaires lisibles n'est pas retenu." in page_text(response)


@pytest.mark.parametrize(
    "params", [{}, {"near": "Rennes", "radius_km": "500", "machine": "wood", "day": "monday"}]
)
def test_the_list_costs_the_same_queries_for_5_or_50_places(
    client, territory, make_place, django_assert_max_num_queries, params
):
    def count(n: int) -> int:
        for i in range(n):
            make_place(f"Lieu {i:02d}", "35238", machines=["wood"], opening_hours="Mo 10:00-12:00")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, params)
        assert len(response.context["rows"]) == min(20, response.context["page"].paginator.count)
        return len(queries)

    few = count(5)
    many = count(45)  # 50 in all
    assert many == few
    with django_assert_max_num_queries(few):
        client.get(URL, params)


def test_the_list_is_paginated(client, territory, make_place):
    for i in range(25):
        make_place(f"Lieu {i:02d}", "35238")
    first = client.get(URL)
    assert len(first.context["rows"]) == 20 and "Page 1 sur 2" in first.content.decode()
    second = client.get(URL, {"page": "2"})
    assert names(second) == [f"Lieu {i:02d}" for i in range(20, 25)]
    assert names(client.get(URL, {"page": "abc"}))[0] == "Lieu 00"
