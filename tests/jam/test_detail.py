"""A jam's public page, as a newcomer finds it: registration closes once the jam has taken
place and the page points to what came of it; each of the jam's team finds its way in."""

import pytest
from django.test import Client

from pollen.accounts.models import Role, User
from pollen.jam import services
from pollen.jam.demo import BERCY_SLUG, FACILITATOR_EMAIL, NEXT_SLUG, ORGANISER_EMAIL, load_jam_demo
from pollen.jam.models import JamRole, Participant
from tests.jam.conftest import person


def test_a_jam_that_took_place_closes_registration_and_points_to_what_came_of_it(room):
    for phase in room.jam.phases.all():
        services.end_phase(acting=room.organiser, phase=phase)
    page = Client().get("/jams/bercy/").content.decode()
    assert "les inscriptions sont closes" in page and "S'inscrire au jam" not in page
    for link in ("/jams/bercy/decisions/", "/jams/suivi/", "/jams/bercy/propositions.csv"):
        assert f'href="{link}"' in page
    form = Client().get("/jams/bercy/inscription/")
    assert form.status_code == 200 and "les inscriptions sont closes" in form.content.decode()
    assert 'name="email"' not in form.content.decode()
    data = {
        "full_name": "Tard Venu",
        "email": "tard@example.org",
        "kind": "citoyen",
        "consent": "on",
    }
    assert Client().post("/jams/bercy/inscription/", data).status_code == 409
    with pytest.raises(services.JamError, match="inscriptions sont closes"):
        services.register(
            jam=room.jam,
            full_name="Tard Venu",
            email="tard@example.org",
            organisation="",
            kind="citoyen",
            preferences=[],
        )
    assert not Participant.objects.filter(email="tard@example.org").exists()


def test_the_jams_team_finds_its_console_and_the_decision_maker_the_answers(room):
    team = room.enter(Client(), room.facilitator).get("/jams/bercy/").content.decode()
    assert 'href="/jams/bercy/console/"' in team
    assert (
        'href="/jams/bercy/console/"'
        not in room.enter(Client(), room.people[0]).get("/jams/bercy/").content.decode()
    )
    minister = room.enter(Client(), person(room.jam, "La ministre", role=JamRole.DECISION_MAKER))
    assert 'href="/jams/bercy/decisions/"' in minister.get("/jams/bercy/").content.decode()


def test_a_participant_waiting_for_a_group_is_told_to_check_in_and_the_page_runs_jam_js(room):
    newcomer = person(room.jam, "Nina Nouvelle")
    newcomer.checked_in_at = None
    newcomer.save()
    page = room.enter(Client(), newcomer).get("/jams/bercy/salle/").content.decode()
    assert "Votre arrivée n'est pas encore notée" in page
    assert "jam/jam.js" in page  # the room that replaces this page needs its countdown


def test_on_the_demo_the_past_jam_leads_to_its_outcome_and_the_next_one_to_its_console(
    call_2013,
):
    organiser = User.objects.create_user(ORGANISER_EMAIL, "x", role=Role.MANAGER)
    User.objects.create_user(FACILITATOR_EMAIL, "x", role=Role.INSTRUCTOR)
    load_jam_demo(call_2013.slug)
    visitor = Client()
    past = visitor.get(f"/jams/{BERCY_SLUG}/").content.decode()
    assert "les inscriptions sont closes" in past
    assert f'href="/jams/{BERCY_SLUG}/decisions/"' in past and 'href="/jams/suivi/"' in past
    upcoming = visitor.get(f"/jams/{NEXT_SLUG}/").content.decode()
    assert "S'inscrire au jam" in upcoming
    staff = Client()
    staff.force_login(organiser)
    assert f'href="/jams/{NEXT_SLUG}/console/"' in staff.get(f"/jams/{NEXT_SLUG}/").content.decode()
    assert staff.get(f"/jams/{NEXT_SLUG}/console/").status_code == 200
