"""The facilitator's console, live: each area answers 204 while unchanged and its new content
after a write; tried by each jam role, by a participant of another jam, and anonymously."""

import re
from html.parser import HTMLParser

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from pollen.jam import services
from pollen.jam.models import JamRole, Lever
from tests.jam.conftest import make_jam, person
from tests.jam.test_streams import Screen, _on_postgres, _run

MARK = re.compile(r'data-revision="([^"]+)"')
AREAS = ("deroule", "groupes", "accueil")


def _area(client: Client, area: str, mark: str = ""):
    return client.get(f"/jams/bercy/console/direct/{area}/", {"depuis": mark} if mark else {})


def _marks(client: Client) -> dict[str, str]:
    marks = {}
    for area in AREAS:
        answer = _area(client, area)
        assert answer.status_code == 200
        marks[area] = MARK.search(answer.content.decode()).group(1)
    return marks


class _Nesting(HTMLParser):
    """The live areas (data-area) open around an element with the given id."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target, self.open, self.found = target, [], None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id") == self.target:
            self.found = [a for a in self.open if a]
        if tag == "div":
            self.open.append(attributes["id"] if "data-area" in attributes else "")

    def handle_endtag(self, tag):
        if tag == "div" and self.open:
            self.open.pop()


def _areas_around(page: str, element_id: str) -> list[str]:
    nesting = _Nesting(element_id)
    nesting.feed(page)
    assert nesting.found is not None, element_id
    return nesting.found


def _changed(client: Client, marks: dict[str, str]) -> dict[str, int]:
    return {area: _area(client, area, marks[area]).status_code for area in AREAS}


@pytest.fixture
def console(room):
    services.set_openings(
        acting=room.organiser, jam=room.jam, group=None, writing_open=True, commenting_open=True
    )
    return room.enter(Client(), room.facilitator)


def test_it_answers_204_until_a_proposal_is_posted_then_shows_it(room, console):
    marks = _marks(console)
    assert _changed(console, marks) == {"deroule": 204, "groupes": 204, "accueil": 204}
    phone = room.enter(Client(), room.people[0])
    posted = phone.post(
        f"/jams/bercy/groupes/{room.groups[0].pk}/proposer/",
        {"title": "Des fablabs ruraux", "text": "Un par canton.", "lever": Lever.FUNDING},
    )
    assert posted.status_code == 302
    # Only the groups' area moved: the agenda and the welcome desk stay as they are.
    assert _changed(console, marks) == {"deroule": 204, "groupes": 200, "accueil": 204}
    fresh = _area(console, "groupes", marks["groupes"]).content.decode()
    assert "Des fablabs ruraux" in fresh and "Part 0" in fresh
    assert "Dernière proposition : « Des fablabs ruraux » (Fablabs partout)." in fresh
    again = MARK.search(fresh).group(1)
    assert _area(console, "groupes", again).status_code == 204


def test_comments_and_dots_cast_appear_as_counts(room, console):
    proposal = services.post_proposal(
        acting=room.people[0], group=room.groups[0], title="Idée", text="x", lever=Lever.OTHER
    )
    marks = _marks(console)
    services.comment(acting=room.people[1], proposal=proposal, text="D'accord")
    services.set_openings(
        acting=room.organiser, jam=room.jam, group=room.groups[0], voting_open=True
    )
    services.vote(acting=room.people[1], proposal=proposal)
    services.vote(acting=room.people[2], proposal=proposal)
    fresh = _area(console, "groupes", marks["groupes"]).content.decode()
    row = re.search(r"<tr>\s*<td><a[^>]*>Fablabs partout</a>.*?</tr>", fresh, re.S).group(0)
    cells = [
        " ".join(re.sub(r"<[^>]+>", " ", c).split())
        for c in re.findall(r"<td>(.*?)</td>", row, re.S)
    ]
    present, proposals, comments, dots = cells[1:5]
    assert (present, proposals, comments, dots) == ("4 sur 4", "1", "1", "2 (2 votants)")
    assert "gommettes déposées : 2" in fresh


def test_a_check_in_moves_the_welcome_desk_only(room, console):
    late = person(room.jam, "Léa Retard")
    late.checked_in_at = None
    late.save()
    marks = _marks(console)
    assert console.post(f"/jams/bercy/console/arrivee/{late.pk}/").status_code == 302
    changed = _changed(console, marks)
    assert changed["accueil"] == 200 and changed["deroule"] == 204
    desk = _area(console, "accueil", marks["accueil"]).content.decode()
    assert "Léa Retard" in desk and "Dernière arrivée : Léa Retard." in desk


def test_a_phase_started_moves_the_agenda_and_its_clock_counts_to_the_servers_end(room, console):
    marks = _marks(console)
    phase = room.jam.phases.get(name="Idées")
    console.post(f"/jams/bercy/console/phases/{phase.pk}/demarrer/")
    fresh = _area(console, "deroule", marks["deroule"])
    assert fresh.status_code == 200
    html = fresh.content.decode()
    phase.refresh_from_db()
    assert f'data-ends-at="{phase.ends_at.isoformat()}"' in html and "data-server-now=" in html
    assert "Phase « Idées » : En cours." in html


def test_the_page_keeps_what_is_typed_out_of_the_live_areas(room, console):
    page = console.get("/jams/bercy/console/").content.decode()
    areas = re.findall(r'<div id="console-(\w+)" data-area', page)
    assert areas == ["deroule", "groupes", "accueil"]
    assert 'hx-trigger="every 1s"' in page and "data-stream" not in page  # WSGI: polls
    assert 'id="console-news" class="fr-sr-only" aria-live="polite"' in page
    # The message and search fields sit outside every area: a swap never touches them.
    assert _areas_around(page, "broadcast") == [] and _areas_around(page, "q") == []
    assert _areas_around(page, f"phase-{room.jam.phases.first().pk}-demarrer") == [
        "console-deroule"
    ]


def test_text_is_shown_as_text_on_the_console(room, console):
    services.post_proposal(
        acting=room.people[0],
        group=room.groups[0],
        title="<script>x()</script>",
        text="t",
        lever=Lever.OTHER,
    )
    html = _area(console, "groupes").content.decode()
    assert "<script>x()</script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html


@pytest.fixture
def everyone(room, personas):
    """A browser for each jam role, a participant of another jam, and nobody."""
    other = make_jam("ailleurs", personas["manager"])
    roles = {
        "rapporteur": person(
            room.jam, "Rita Rapporte", role=JamRole.RAPPORTEUR, group=room.groups[0]
        ),
        "decision_maker": person(room.jam, "La ministre", role=JamRole.DECISION_MAKER),
        "facilitator_g1": person(
            room.jam, "Félix Anime", role=JamRole.FACILITATOR, group=room.groups[1]
        ),
    }
    organiser = Client()
    organiser.force_login(personas["manager"])
    return {
        "anonymous": Client(),
        "organiser": organiser,
        "facilitator": room.enter(Client(), room.facilitator),
        "facilitator_g1": room.enter(Client(), roles["facilitator_g1"]),
        "rapporteur": room.enter(Client(), roles["rapporteur"]),
        "decision_maker": room.enter(Client(), roles["decision_maker"]),
        "participant": room.enter(Client(), room.people[0]),
        "other_jam": room.enter(Client(), person(other, "Sam Ailleurs", role=JamRole.ORGANISER)),
    }


RUNNERS = {"organiser", "facilitator", "facilitator_g1"}


@pytest.mark.parametrize(
    "url", ["/jams/bercy/console/"] + [f"/jams/bercy/console/direct/{a}/" for a in AREAS]
)
def test_the_console_and_its_areas_answer_each_visitor_as_expected(url, room, everyone):
    answers = {name: browser.get(url).status_code for name, browser in everyone.items()}
    assert answers == {name: 200 if name in RUNNERS else 403 for name in everyone}


def test_an_unknown_area_is_not_found(room, console):
    assert console.get("/jams/bercy/console/direct/ailleurs/").status_code == 404


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_console_stream_hears_a_dot_that_no_participants_screen_is_told_of(room):
    _on_postgres()
    from django.test import AsyncClient

    services.set_openings(
        acting=room.organiser, jam=room.jam, group=None, writing_open=True, voting_open=True
    )
    proposal = services.post_proposal(
        acting=room.people[0], group=room.groups[0], title="Idée", text="x", lever=Lever.OTHER
    )
    desk = room.enter(Client(), room.facilitator)
    phone = room.enter(Client(), room.people[1])
    shown = re.search(
        r'data-live-areas data-revision="(\d+)"', desk.get("/jams/bercy/console/").content.decode()
    ).group(1)
    group_page = phone.get(f"/jams/bercy/groupes/{room.groups[0].pk}/direct/").content.decode()
    group_shown = MARK.search(group_page).group(1)

    async def opened(client: Client, url: str, last: str) -> Screen:
        browser = AsyncClient()
        browser.cookies = client.cookies
        response = await browser.get(url, headers={"Last-Event-ID": last})
        assert response.status_code == 200
        screen = Screen(response)
        assert await screen.next() == "retry: 2000\n\n"
        return screen

    async def scenario() -> None:
        console = await opened(desk, "/jams/bercy/console/flux/", shown)
        group = await opened(phone, f"/jams/bercy/groupes/{room.groups[0].pk}/flux/", group_shown)
        await sync_to_async(services.vote)(acting=room.people[1], proposal=proposal)
        event = await console.next()
        assert event.startswith("id: ") and event.split("\n")[0] != f"id: {shown}"
        assert await group.nothing_within(0.5)  # counts are hidden: the phones are not told
        stranger = await AsyncClient().get("/jams/bercy/console/flux/")
        assert stranger.status_code in (302, 403)
        await console.close()
        await group.close()

    _run(scenario)


def test_a_facilitator_gets_the_vote_buttons_of_their_own_group_only(room, console, everyone):
    theirs = f'id="groupe-{room.groups[0].pk}-vote"'
    other = f'id="groupe-{room.groups[1].pk}-vote"'
    mine = _area(console, "groupes").content.decode()
    assert theirs in mine and other not in mine
    organiser = _area(everyone["organiser"], "groupes").content.decode()
    assert theirs in organiser and other in organiser


def test_a_facilitator_is_shown_only_the_rooms_and_moves_their_role_allows(room):
    """Crawled on the demo: the console linked a facilitator to other groups' rooms (403) and
    the room offered moves to groups the service refuses."""
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    for group, author in ((room.groups[0], room.people[0]), (room.groups[1], room.people[3])):
        services.post_proposal(
            acting=author, group=group, title=f"Idée {group.pk}", text="x", lever=Lever.OTHER
        )
    facilitator = room.enter(Client(), room.facilitator)
    page = "".join(_area(facilitator, area).content.decode() for area in AREAS)
    rooms = set(re.findall(r'href="(/jams/bercy/salle/[^"#]*)', page.replace("&amp;", "&")))
    assert rooms == {f"/jams/bercy/salle/?groupe={room.groups[0].pk}"}
    for link in rooms:
        html = facilitator.get(link).content.decode()
        assert "/deplacer/" not in html  # one group to run: nowhere to move anyone
    organiser = room.enter(Client(), room.organiser)
    html = organiser.get(f"/jams/bercy/salle/?groupe={room.groups[0].pk}").content.decode()
    assert "/deplacer/" in html and room.groups[1].theme in html
