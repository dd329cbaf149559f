"""Synthesis, the decision-maker's answers, and the public chain from proposal to call."""

import pytest
from django.test import Client

from pollen.jam import services
from pollen.jam.models import JamRole, Lever, Outcome
from tests.jam.conftest import person


def _proposal(room):
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    return services.post_proposal(
        acting=room.people[0],
        group=room.groups[0],
        title="Un appel à projets pour les fablabs",
        text="Financer l'équipement des ateliers.",
        lever=Lever.FUNDING,
    )


def test_the_rapporteur_writes_the_synthesis_through_the_page(room):
    proposal = _proposal(room)
    rapporteur = person(room.jam, "Rita Rapporte", role=JamRole.RAPPORTEUR, group=room.groups[0])
    url = f"/jams/bercy/groupes/{room.groups[0].pk}/synthese/"
    assert room.enter(Client(), room.people[0]).get(url).status_code == 403
    browser = room.enter(Client(), rapporteur)
    form = {
        "finding": "Les territoires ruraux manquent d'ateliers.",
        "proposals": [str(proposal.pk)],
        "lever": Lever.FUNDING,
        "who_acts": "Le ministère",
    }
    assert browser.post(url, form).status_code == 302
    synthesis = room.groups[0].synthesis
    assert list(synthesis.proposals.all()) == [proposal] and synthesis.written_by == rapporteur


def test_a_decision_links_the_proposal_to_the_call_and_the_public_follows_it(room, call_2013):
    proposal = _proposal(room)
    minister = person(room.jam, "La ministre", role=JamRole.DECISION_MAKER)
    url = f"/jams/bercy/propositions/{proposal.pk}/decider/"
    decision = {
        "outcome": Outcome.RETAINED,
        "answer": "Retenue : appel lancé.",
        "call": call_2013.pk,
    }
    assert room.enter(Client(), room.organiser).post(url, decision).status_code == 403
    assert room.enter(Client(), minister).post(url, decision).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.outcome, proposal.call) == (Outcome.RETAINED, call_2013)
    public = Client()
    call_page = public.get(f"/appels/{call_2013.slug}/").content.decode()
    assert "issu de la proposition « Un appel à projets pour les fablabs »" in call_page
    followup = public.get("/jams/suivi/").content.decode()
    assert "Un appel à projets pour les fablabs" in followup and call_2013.title in followup
    assert "Retenue : appel lancé." in public.get("/jams/bercy/decisions/").content.decode()


def test_only_a_retained_proposal_becomes_a_call(room, call_2013):
    proposal = _proposal(room)
    minister = person(room.jam, "La ministre", role=JamRole.DECISION_MAKER)
    with pytest.raises(services.JamError, match="retenue"):
        services.decide(
            acting=minister,
            proposal=proposal,
            outcome=Outcome.UNDER_STUDY,
            answer="x",
            call=call_2013,
        )


def test_the_follow_up_counts_people_newly_within_reach_of_the_funded_fablabs(
    room, call_2013, personas
):
    from pollen.jam import followup
    from pollen.places import services as place_services
    from pollen.places.models import PlaceKind
    from tests.grants.helpers import awarded_grant

    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])  # in Rennes
    organisation = grant.application.organisation
    for name, commune, lat, lon, org in (
        ("Le fablab financé", "35238", 48.1116, -1.6803, organisation.pk),  # itself, listed
        ("Fablab de Lyon", "69123", 45.7580, 4.8351, None),
    ):
        place_services.create_place(
            acting_user=None,
            values={
                "name": name,
                "kind": PlaceKind.FABLAB,
                "commune_id": commune,
                "latitude": lat,
                "longitude": lon,
                "organisation_id": org,
            },
        )
    proposal = _proposal(room)
    minister = person(room.jam, "La ministre", role=JamRole.DECISION_MAKER)
    proposal = services.decide(
        acting=minister, proposal=proposal, outcome=Outcome.RETAINED, answer="Oui", call=call_2013
    )
    chain = followup.chain_of(proposal)
    assert (chain.grants, chain.selected) == (1, 1)
    assert chain.newly_reached == 227830  # Rennes; Lyon was already within reach of a place
