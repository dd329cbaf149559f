"""Every places page tried with every persona: anyone reads, only managers and the place's
own organisation change a place, and every change is audited with before and after."""

import pytest
from django.urls import reverse

from pollen.audit.models import AuditEvent
from pollen.places.models import Place, PlaceKind
from tests.builders import organisation_for
from tests.conftest import PERSONAS, client_for

EDITORS = {"manager", "admin"}


@pytest.fixture
def world(territory, personas, make_place):
    """Applicant A's organisation runs the Rennes fablab; applicant B has another organisation."""
    org = organisation_for(personas["applicant"])
    organisation_for(personas["applicant_b"], siret="44306184100047", commune="29019", name="B")
    place = make_place(
        "Fablab de Rennes", "35238", machines=["laser_cutter"], opening_hours="Tu-Sa 14:00-19:00"
    )
    Place.objects.filter(pk=place.pk).update(organisation=org)
    return Place.objects.get(pk=place.pk)


@pytest.mark.parametrize("name", PERSONAS)
def test_public_pages_answer_everyone(client, personas, world, name):
    c = client_for(client, personas, name)
    pages = [
        reverse("places:directory"),
        reverse("places:directory") + "?machine=laser_cutter&near=Rennes&radius_km=30",
        reverse("places:detail", args=[world.pk]),
        reverse("places:export_csv"),
        reverse("places:coverage"),
        reverse("places:coverage") + "?radius_km=10&machine=laser_cutter",
        reverse("places:siting") + "?k=2&radius_km=10&min_population=10000",
        reverse("places:map_svg"),
    ]
    for url in pages:
        assert c.get(url).status_code == 200, url
    assert c.get(reverse("places:detail", args=[world.pk + 1000])).status_code == 404


@pytest.mark.parametrize("name", PERSONAS)
def test_only_managers_and_the_places_organisation_edit_it(client, personas, world, name):
    c = client_for(client, personas, name)
    url = reverse("places:edit", args=[world.pk])
    expected = 302 if name == "anonymous" else 200 if name in EDITORS | {"applicant"} else 403
    assert c.get(url).status_code == expected
    detail = c.get(reverse("places:detail", args=[world.pk])).content.decode()
    assert (url in detail) == (expected == 200)
    response = c.post(
        url,
        {
            "name": "Fablab de Rennes (modifié)",
            "kind": PlaceKind.FABLAB,
            "status": "active",
            "commune": "35238",
            "machines": ["laser_cutter", "3d_printer"],
            "other_machines": "thermoformeuse ; brodeuse numérique",
            "opening_hours": "Tu-Sa 14:00-20:00",
            "organisation": world.organisation_id,
        },
    )
    world.refresh_from_db()
    if expected != 200:
        assert response.status_code == expected
        assert world.name == "Fablab de Rennes"
        assert not AuditEvent.objects.filter(action="place.edited").exists()
        return
    assert response.status_code == 302
    assert world.name == "Fablab de Rennes (modifié)"
    assert world.machines == ["laser_cutter", "3d_printer", "embroidery"]
    assert world.other_machines == ["thermoformeuse"]
    assert world.approximate and world.latitude == 48.1116
    event = AuditEvent.objects.get(action="place.edited")
    assert event.actor == personas[name]
    assert event.before["opening_hours"] == "Tu-Sa 14:00-19:00"
    assert event.after["opening_hours"] == "Tu-Sa 14:00-20:00"
    assert "organisation_id" not in event.after and world.organisation_id  # left as it was


@pytest.mark.parametrize("name", PERSONAS)
def test_only_managers_add_places(client, personas, territory, name):
    c = client_for(client, personas, name)
    url = reverse("places:create")
    expected = 302 if name == "anonymous" else 200 if name in EDITORS else 403
    assert c.get(url).status_code == expected
    response = c.post(
        url,
        {
            "name": "Nouveau lieu",
            "kind": "makerspace",
            "status": "planned",
            "latitude": "48.39",
            "longitude": "-4.49",
        },
    )
    if expected != 200:
        assert response.status_code == expected and not Place.objects.exists()
        return
    place = Place.objects.get()
    assert response.status_code == 302 and response.url == reverse("places:detail", args=[place.pk])
    assert (place.latitude, place.approximate, place.status) == (48.39, False, "planned")
    assert AuditEvent.objects.get(action="place.created").actor == personas[name]


def test_a_member_cannot_link_a_place_to_an_organisation_but_a_manager_can(client, personas, world):
    url = reverse("places:edit", args=[world.pk])
    client.force_login(personas["applicant"])
    assert "id_organisation" not in client.get(url).content.decode()
    client.force_login(personas["manager"])
    assert "id_organisation" in client.get(url).content.decode()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"opening_hours": "tous les jours sauf lundi"}, "opening_hours", ""),
        ({"latitude": "40.7", "longitude": "-74"}, "latitude", "hors de France"),
        ({"latitude": "48.1"}, "latitude", "ou aucune des deux"),
        ({"commune": ""}, "commune", "Indiquez une commune ou des coordonnées."),
        ({"website": "javascript:alert(1)"}, "website", ""),
    ],
)
def test_the_place_form_refuses_bad_values_with_a_reason(
    client, personas, world, values, field, message
):
    client.force_login(personas["manager"])
    data = {"name": "X", "kind": "fablab", "status": "active", "commune": "35238", **values}
    response = client.post(reverse("places:edit", args=[world.pk]), data)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert errors and message in errors
    assert Place.objects.get(pk=world.pk).name == "Fablab de Rennes"
