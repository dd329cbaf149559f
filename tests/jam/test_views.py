"""Jam pages tried by each jam role, by a participant of another jam, and anonymously."""

import io
import json
import re

import pytest
import segno
from django.core import mail
from django.db.models import F
from django.test import Client
from PIL import Image

from pollen.jam import selectors, services
from pollen.jam.models import Lever, Participant, Registration
from pollen.jobs import services as job_services
from pollen.jobs.models import Job, JobStatus
from tests.jam.conftest import make_jam, person


@pytest.fixture
def browsers(room, personas):
    """One browser per kind of visitor; the organiser signs in with their platform account."""
    other_jam = make_jam("ailleurs", personas["manager"])
    stranger = person(other_jam, "Sam Ailleurs")
    organiser = Client()
    organiser.force_login(personas["manager"])
    return {
        "anonymous": Client(),
        "organiser": organiser,
        "facilitator": room.enter(Client(), room.facilitator),
        "participant": room.enter(Client(), room.people[0]),  # group 0
        "other_group": room.enter(Client(), room.people[4]),  # group 1
        "other_jam": room.enter(Client(), stranger),
    }


# page → the visitors who get a 200 (everyone else: 403)
PAGES = {
    "/jams/": {"anonymous", "organiser", "facilitator", "participant", "other_group", "other_jam"},
    "/jams/bercy/": {
        "anonymous",
        "organiser",
        "facilitator",
        "participant",
        "other_group",
        "other_jam",
    },
    "/jams/bercy/inscription/": {
        "anonymous",
        "organiser",
        "facilitator",
        "participant",
        "other_group",
        "other_jam",
    },
    "/jams/bercy/salle/?groupe={g0}": {"organiser", "facilitator", "participant"},
    "/jams/bercy/groupes/{g0}/direct/": {"organiser", "facilitator", "participant"},
    "/jams/bercy/groupes/{g1}/direct/": {"organiser", "other_group"},
    "/jams/bercy/console/": {"organiser", "facilitator"},
    "/jams/bercy/ecran/": {"organiser", "facilitator"},
    "/jams/bercy/ecran/groupes/{g0}/": {"organiser", "facilitator"},
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_jam_page_answers_each_visitor_as_expected(page, room, browsers):
    url = page.format(g0=room.groups[0].pk, g1=room.groups[1].pk)
    answers = {name: browser.get(url).status_code for name, browser in browsers.items()}
    expected = {name: 200 if name in PAGES[page] else 403 for name in browsers}
    assert answers == expected


def test_a_participant_of_another_jam_cannot_write_here(room, browsers):
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    url = f"/jams/bercy/groupes/{room.groups[0].pk}/proposer/"
    data = {"title": "Intrus", "text": "Texte", "lever": Lever.OTHER}
    assert browsers["other_jam"].post(url, data).status_code == 403
    assert browsers["other_group"].post(url, data).status_code == 403
    assert not room.jam.proposals.exists()


def test_a_refused_proposal_keeps_what_was_typed(room, browsers):
    url = f"/jams/bercy/groupes/{room.groups[0].pk}/proposer/"
    typed = {"title": "Mon idée", "text": "Un long texte réfléchi", "lever": Lever.TRAINING}
    page = browsers["participant"].post(url, typed)  # writing is still locked
    assert page.status_code == 409
    html = page.content.decode()
    assert "fermées" in html and "Un long texte réfléchi" in html and 'value="Mon idée"' in html


HX = {"HX-Request": "true"}


def test_a_proposal_sent_from_the_page_comes_back_in_place_with_the_group_beside_it(room, browsers):
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    url = f"/jams/bercy/groupes/{room.groups[0].pk}/proposer/"
    typed = {"title": "Un fablab par canton", "text": "Dans chaque canton.", "lever": Lever.OTHER}
    answer = browsers["participant"].post(url, typed, headers=HX)
    assert answer.status_code == 200
    html = answer.content.decode()
    # The form again, empty, saying it was published; the group's fragment swapped beside it.
    assert '<div id="proposer">' in html
    assert "Proposition publiée." in html and 'value="Un fablab par canton"' not in html
    assert 'hx-select-oob="#live"' in html and '<div id="live" ' in html
    live = html.split('<div id="live"', 1)[1]
    assert "Un fablab par canton" in live
    assert json.loads(answer["HX-Trigger"]) == {"jam-sent": f"jam-proposal-{room.groups[0].pk}"}
    assert room.jam.proposals.get().title == "Un fablab par canton"


def test_a_proposal_sent_from_the_page_and_refused_keeps_its_text_at_its_field(room, browsers):
    url = f"/jams/bercy/groupes/{room.groups[0].pk}/proposer/"
    untitled = {"title": "", "text": "Un long texte réfléchi", "lever": Lever.OTHER}
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    answer = browsers["participant"].post(url, untitled, headers=HX)
    html = answer.content.decode()
    assert answer.status_code == 200 and "HX-Trigger" not in answer  # the draft is kept
    assert 'aria-invalid="true"' in html and "Un long texte réfléchi" in html
    assert 'id="live"' not in html and not room.jam.proposals.exists()
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=False)
    typed = {**untitled, "title": "Mon idée"}
    html = browsers["participant"].post(url, typed, headers=HX).content.decode()
    assert "fermées" in html and 'value="Mon idée"' in html and "Un long texte réfléchi" in html


def test_a_comment_sent_from_the_page_answers_with_the_group_fragment(room, browsers):
    services.set_openings(
        acting=room.organiser, jam=room.jam, group=None, writing_open=True, commenting_open=True
    )
    proposal = services.post_proposal(
        acting=room.people[1], group=room.groups[0], title="Neuve", text="x", lever=Lever.OTHER
    )
    url = f"/jams/bercy/propositions/{proposal.pk}/commenter/"
    answer = browsers["participant"].post(url, {"text": "Avec les mairies"}, headers=HX)
    assert answer.status_code == 200
    html = answer.content.decode()
    assert '<div id="live" ' in html and "Avec les mairies" in html
    assert json.loads(answer["HX-Trigger"]) == {"jam-sent": f"jam-comment-{proposal.pk}"}
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, commenting_open=False)
    refused = browsers["participant"].post(url, {"text": "Trop tard"}, headers=HX)
    html = refused.content.decode()
    assert "HX-Trigger" not in refused and 'role="alert"' in html and "fermés" in html
    assert not proposal.comments.filter(text="Trop tard").exists()


def test_text_is_shown_as_text_never_as_markup(room, browsers):
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    services.post_proposal(
        acting=room.people[0],
        group=room.groups[0],
        title="<script>alert(1)</script>",
        text="<b>gras</b>",
        lever=Lever.OTHER,
    )
    html = browsers["participant"].get(f"/jams/bercy/salle/?groupe={room.groups[0].pk}")
    content = html.content.decode()
    assert "<script>alert(1)</script>" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content and "&lt;b&gt;gras" in content


def test_a_screen_polls_cheaply_and_gets_each_write_at_the_next_poll(room, browsers):
    url = f"/jams/bercy/groupes/{room.groups[0].pk}/direct/"
    first = browsers["participant"].get(url)
    revision = first.content.decode().split('data-revision="')[1].split('"')[0]
    assert browsers["participant"].get(f"{url}?depuis={revision}").status_code == 204
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    services.post_proposal(
        acting=room.people[1], group=room.groups[0], title="Neuve", text="x", lever=Lever.OTHER
    )
    fresh = browsers["participant"].get(f"{url}?depuis={revision}")
    assert fresh.status_code == 200 and "Neuve" in fresh.content.decode()


def test_registration_through_the_page_then_entry_with_the_room_code(room):
    browser = Client()
    form = {
        "full_name": "Zoé Nouvelle",
        "email": "zoe@example.org",
        "organisation": "FabLab du Port",
        "kind": "association",
        "first": str(room.groups[1].pk),
        "consent": "on",
    }
    assert browser.post("/jams/bercy/inscription/", {**form, "consent": ""}).status_code == 200
    assert not Participant.objects.filter(email="zoe@example.org").exists()
    done = browser.post("/jams/bercy/inscription/", form)
    assert done.status_code == 302
    zoe = Participant.objects.get(email="zoe@example.org")
    assert zoe.preferences == [room.groups[1].pk] and zoe.registration == Registration.CONFIRMED
    phone = Client()
    wrong = phone.post("/jams/bercy/entrer/", {"room_code": "NOPE", "email": "zoe@example.org"})
    assert wrong.status_code == 400 and "code de salle" in wrong.content.decode()
    right = phone.post("/jams/bercy/entrer/", {"room_code": "bercy", "email": "ZOE@example.org"})
    assert right.status_code == 302
    assert phone.session[selectors.SESSION_KEY][str(room.jam.pk)][0] == zoe.pk


def test_a_revoked_link_no_longer_opens_the_jam(room):
    target = room.people[0]
    old = selectors.personal_token(target)
    browser = room.enter(Client(), target)
    services.revoke_link(acting=room.organiser, participant=target)
    assert browser.get("/jams/bercy/console/").status_code == 403
    assert browser.get(f"/jams/bercy/groupes/{room.groups[0].pk}/direct/").status_code == 403
    again = Client().get(f"/jams/bercy/entrer/{old}/", follow=True)
    assert "pas valable" in again.content.decode()


def test_the_door_scans_a_participants_qr_code_and_the_facilitator_stays_themselves(room):
    arriving = person(room.jam, "Ines Arrive")
    arriving.checked_in_at = None
    arriving.save()
    mine = room.enter(Client(), arriving).get("/jams/bercy/").content.decode()
    token = selectors.personal_token(arriving)
    assert "QR code d'accueil" in mine and "<svg" in mine
    door = room.enter(Client(), room.facilitator)
    scanned = door.get(f"/jams/bercy/entrer/{token}/")
    assert scanned.status_code == 200 and "Ines Arrive" in scanned.content.decode()
    door.post(f"/jams/bercy/console/arrivee/{arriving.pk}/")
    arriving.refresh_from_db()
    assert arriving.checked_in_at is not None
    assert door.get("/jams/bercy/console/").status_code == 200  # still the facilitator


def test_a_move_by_hand_says_which_rule_it_breaks(room):
    door = room.enter(Client(), room.facilitator)
    page = door.post(
        f"/jams/bercy/console/deplacer/{room.people[4].pk}/",
        {"groupe": room.groups[0].pk},
        follow=True,
    )
    room.people[4].refresh_from_db()
    assert room.people[4].group == room.groups[0]
    assert "ne respecte plus ces règles" in page.content.decode()
    refused = room.enter(Client(), room.people[0]).post(
        f"/jams/bercy/console/deplacer/{room.people[1].pk}/", {"groupe": room.groups[1].pk}
    )
    assert refused.status_code == 403


def _report_file(browser, fmt):
    """POST → 303 to the job's page (run at once by the immediate backend) → its file."""
    started = browser.post(f"/jams/bercy/compte-rendu.{fmt}")
    assert started.status_code == 303 and started["Location"].startswith("/travaux/")
    page = browser.get(started["Location"]).content.decode()
    assert "Compte rendu du jam" in page and f"compte-rendu-bercy.{fmt}" in page
    response = browser.get(started["Location"] + "fichier/")
    assert response.status_code == 200
    return started["Location"], b"".join(response.streaming_content)


def test_the_report_is_a_job_for_the_jams_team_and_the_open_data_for_everyone(
    room, browsers, personas
):
    _job, pdf = _report_file(browsers["organiser"], "pdf")
    assert pdf.startswith(b"%PDF")
    _job, odt = _report_file(browsers["organiser"], "odt")
    assert odt.startswith(b"PK")
    # A facilitator has no platform account: their browser's session follows the job.
    job_url, odt = _report_file(browsers["facilitator"], "odt")
    assert odt.startswith(b"PK")
    for other in ("participant", "other_jam", "anonymous"):
        assert browsers[other].get(job_url).status_code == 404, other
        assert browsers[other].get(job_url + "fichier/").status_code == 404, other
    # The organiser, signed in, may follow the team's report; a stranger signed in may not.
    assert browsers["organiser"].get(job_url).status_code == 200
    stranger = Client()
    stranger.force_login(personas["applicant_b"])
    assert stranger.get(job_url).status_code == 404
    assert browsers["participant"].post("/jams/bercy/compte-rendu.pdf").status_code == 403
    assert browsers["anonymous"].post("/jams/bercy/compte-rendu.pdf").status_code == 403
    assert browsers["organiser"].get("/jams/bercy/compte-rendu.pdf").status_code == 405
    assert browsers["anonymous"].get("/jams/bercy/compte-rendu.exe").status_code == 404
    data = browsers["anonymous"].get("/jams/bercy/propositions.json")
    assert data.status_code == 200 and "proposals" in data.json()
    assert browsers["anonymous"].get("/jams/bercy/propositions.csv").status_code == 200


def test_a_report_asked_with_a_link_revoked_since_is_not_written(room, browsers, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    started = browsers["facilitator"].post("/jams/bercy/compte-rendu.pdf")
    job = Job.objects.get(pk=started["Location"].split("/")[2])
    Participant.objects.filter(pk=room.facilitator.pk).update(link_version=F("link_version") + 1)
    job_services.run_job.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.result_file
    assert "Vous ne pouvez plus lire le compte rendu" in job.result["message"]


def test_a_write_in_one_group_leaves_the_other_groups_screens_alone(room, browsers):
    url = f"/jams/bercy/groupes/{room.groups[0].pk}/direct/"
    first = browsers["participant"].get(url).content.decode()
    mark = first.split('data-revision="')[1].split('"')[0]
    services.set_openings(
        acting=room.organiser, jam=room.jam, group=room.groups[1], writing_open=True
    )
    services.post_proposal(
        acting=room.people[4], group=room.groups[1], title="Ailleurs", text="x", lever=Lever.OTHER
    )
    assert browsers["participant"].get(f"{url}?depuis={mark}").status_code == 204
    services.broadcast(acting=room.organiser, jam=room.jam, message="Pause café")
    fresh = browsers["participant"].get(f"{url}?depuis={mark}")
    assert fresh.status_code == 200 and "Pause café" in fresh.content.decode()
    plenary = browsers["organiser"].get("/jams/bercy/ecran/direct/").content.decode()
    assert "Ailleurs" in plenary  # the room's screen sees every group


def test_the_confirmation_mail_carries_the_personal_link_and_its_qr_code(
    room, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://pollen.example.gouv.fr"
    form = {"full_name": "Léa QR", "email": "lea@example.org", "kind": "citoyen", "consent": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        assert Client().post("/jams/bercy/inscription/", form).status_code == 302
    (sent,) = [m for m in mail.outbox if m.to == ["lea@example.org"]]
    (link,) = re.findall(r"https://pollen\.example\.gouv\.fr/jams/bercy/entrer/\S+/", sent.body)
    (name, content, mimetype) = sent.attachments[0]
    assert (name, mimetype) == ("qr-code.png", "image/png")
    assert _qr_modules(content) == [list(row) for row in segno.make(link, error="m").matrix]
    phone = Client()  # the link, scanned or clicked, opens the jam for Léa alone
    assert phone.get(link.removeprefix(settings.SITE_URL)).status_code == 302
    lea = Participant.objects.get(email="lea@example.org")
    assert phone.session[selectors.SESSION_KEY][str(room.jam.pk)][0] == lea.pk


def _qr_modules(png: bytes) -> list[list[int]]:
    """Read the image back module by module (8 px each, a quiet zone of 4 modules)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // 8 - 8
    return [
        [int(image.getpixel((8 * (4 + x) + 4, 8 * (4 + y) + 4)) < 128) for x in range(size)]
        for y in range(size)
    ]
