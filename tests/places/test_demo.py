"""load_places_demo: one place per fictitious organisation, idempotent, linked and marked."""

from pollen.accounts.models import Organisation
from pollen.places.demo import load_places_demo
from pollen.places.models import Place
from tests.builders import organisation_for


def test_it_makes_a_place_per_fictitious_organisation_once(territory, personas):
    org = organisation_for(
        personas["applicant"], commune="29232", name="Fablab de Quimper (fictif)"
    )
    Organisation.objects.filter(pk=org.pk).update(
        is_fictitious=True, machines=["laser_cutter"], opening_hours="Sa 10:00-18:00"
    )
    organisation_for(personas["applicant_b"], siret="44306184100047", name="Vraie structure")
    first = load_places_demo()
    place = Place.objects.get()
    assert (len(first.created), place.organisation_id, place.is_fictitious) == (1, org.pk, True)
    assert place.machines == ["laser_cutter"] and place.approximate
    again = load_places_demo()
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 1)
    assert Place.objects.count() == 1
