"""A jam's streams (server-sent events over PostgreSQL LISTEN/NOTIFY): a service's change reaches
an open stream when it commits, a rolled-back change sends nothing, a stream reopened with the
last revision it had gets what it missed; without them (SQLite, WSGI) the pages poll."""

import asyncio
import re

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection, transaction
from django.test import AsyncClient, Client

from pollen.jam import services, streams
from pollen.jam.models import Lever

REVISION = re.compile(r'data-revision="([^"]+)"')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _told(event: str) -> str:
    """The revision an event names: a revision event's, or a pushed fragment's."""
    fields = [line.split(": ", 1) for line in event.strip("\n").split("\n")]
    ids = [value for name, value in fields if name == "id"]
    assert len(ids) == 1, event
    return ids[0]


def _fragment(event: str) -> str:
    """The HTML a pushed fragment event carries (EventSource joins its data lines)."""
    assert event.startswith("event: fragment\n"), event
    lines = event.strip("\n").split("\n")
    return "\n".join(line.removeprefix("data: ") for line in lines if line.startswith("data: "))


def _revision(client, room, group=0) -> str:
    page = client.get(f"/jams/bercy/groupes/{room.groups[group].pk}/direct/")
    return REVISION.search(page.content.decode()).group(1)


def _propose(room, title, group=0, person=1):
    services.post_proposal(
        acting=room.people[person + 3 * group],
        group=room.groups[group],
        title=title,
        text="x",
        lever=Lever.OTHER,
    )


def _comment(client: Client, room, token: str) -> int:
    proposal = room.groups[0].proposals.get()
    client.handler.enforce_csrf_checks = True
    answer = client.post(
        f"/jams/bercy/propositions/{proposal.pk}/commenter/",
        {"text": "Avec ce jeton", "csrfmiddlewaretoken": token},
    )
    return answer.status_code if proposal.comments.filter(text="Avec ce jeton").exists() else 0


@pytest.fixture
def writing(room):
    services.set_openings(
        acting=room.organiser, jam=room.jam, group=None, writing_open=True, commenting_open=True
    )
    return room


class Screen:
    """A browser's EventSource: the stream read in the background, its events in a queue."""

    def __init__(self, response) -> None:
        self.response = response
        self.events: asyncio.Queue[str] = asyncio.Queue()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for chunk in self.response.streaming_content:
            await self.events.put(chunk.decode())

    async def next(self, timeout: float = 5.0) -> str:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def nothing_within(self, seconds: float) -> bool:
        await asyncio.sleep(seconds)
        return self.events.empty()

    async def close(self) -> None:
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)


async def _open(client: Client, room, group=0, **headers) -> Screen:
    browser = AsyncClient()
    browser.cookies = client.cookies
    url = f"/jams/bercy/groupes/{room.groups[group].pk}/flux/"
    response = await browser.get(url, headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no"
    screen = Screen(response)
    assert await screen.next() == "retry: 2000\n\n"
    return screen


def _on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the fan-out is PostgreSQL's LISTEN/NOTIFY; SQLite pages poll")


def _run(scenario) -> None:
    async def guarded() -> None:
        try:
            await scenario()
        finally:
            await streams.hub.close()

    async_to_sync(guarded)()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_tells_an_open_stream_when_a_proposal_is_posted_in_its_group(writing):
    _on_postgres()
    room = writing
    reader = room.enter(Client(), room.people[0])
    neighbour = room.enter(Client(), room.people[3])  # in the other group
    before, theirs = _revision(reader, room), _revision(neighbour, room, group=1)

    async def scenario() -> None:
        screen = await _open(reader, room, **{"Last-Event-ID": before})
        other = await _open(neighbour, room, group=1, **{"Last-Event-ID": theirs})
        await sync_to_async(_propose)(room, "Des fablabs partout")
        event = await screen.next()
        after = await sync_to_async(_revision)(reader, room)
        assert after != before and _told(event) == after
        # The fragment itself, as the page would fetch it, with this browser's own token.
        html = _fragment(event)
        assert "Des fablabs partout" in html and f'data-revision="{after}"' in html
        token = TOKEN.search(html).group(1)
        assert "csrf-" not in html and "now-" not in html
        browser = AsyncClient()  # the page as served by ASGI: it holds the stream too
        browser.cookies = reader.cookies
        fetched = await browser.get(f"/jams/bercy/groupes/{room.groups[0].pk}/direct/")
        assert (
            TOKEN.sub("", html).split("data-ends-at")[0]
            == (TOKEN.sub("", fetched.content.decode()).split("data-ends-at")[0])
        )
        # The pushed form posts with the token it carries.
        assert await sync_to_async(_comment)(reader, room, token) == 302
        # The other group's screen is not told: its fragment did not change.
        assert await other.nothing_within(0.5)
        # A jam-wide change (a broadcast on every screen) reaches both groups.
        await sync_to_async(services.broadcast)(
            acting=room.organiser, jam=room.jam, message="Pause"
        )
        assert _told(await screen.next()) and _told(await other.next())
        await screen.close()
        await other.close()

    _run(scenario)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_it_sends_nothing_for_a_change_rolled_back(writing):
    _on_postgres()
    room = writing
    reader = room.enter(Client(), room.people[0])

    def rolled_back() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            _propose(room, "Jamais publiée")
            raise RuntimeError("the request failed after the service")

    shown = _revision(reader, room)

    async def scenario() -> None:
        screen = await _open(reader, room, **{"Last-Event-ID": shown})
        await sync_to_async(rolled_back)()
        assert await screen.nothing_within(1.0)
        await sync_to_async(_propose)(room, "Publiée")
        assert "Publiée" in _fragment(await screen.next())
        await screen.close()

    _run(scenario)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_screen_back_with_its_last_revision_gets_what_it_missed_at_once(writing):
    _on_postgres()
    room = writing
    reader = room.enter(Client(), room.people[0])
    seen = _revision(reader, room)

    async def scenario() -> None:
        # Back with the revision it shows, nothing changed: nothing to fetch.
        screen = await _open(reader, room, **{"Last-Event-ID": seen})
        assert await screen.nothing_within(0.5)
        await screen.close()
        # Away while a proposal was posted: back with its last revision, told at once.
        await sync_to_async(_propose)(room, "Pendant la coupure")
        now = await sync_to_async(_revision)(reader, room)
        screen = await _open(reader, room, **{"Last-Event-ID": seen})
        event = await screen.next(timeout=1.0)
        assert _told(event) == now and "Pendant la coupure" in _fragment(event)
        await screen.close()

    _run(scenario)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_while_the_group_votes_each_screen_is_pushed_its_own_dots(writing):
    _on_postgres()
    room = writing
    _propose(room, "Des fablabs partout")
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, voting_open=True)
    reader = room.enter(Client(), room.people[0])
    other = room.enter(Client(), room.people[2])
    proposal = room.groups[0].proposals.get()
    reader.post(f"/jams/bercy/propositions/{proposal.pk}/voter/", headers={"HX-Request": "true"})
    shown = [_revision(c, room) for c in (reader, other)]

    async def scenario() -> None:
        voter = await _open(reader, room, **{"Last-Event-ID": shown[0]})
        neighbour = await _open(other, room, **{"Last-Event-ID": shown[1]})
        await sync_to_async(services.broadcast)(
            acting=room.organiser, jam=room.jam, message="Dernière minute"
        )
        mine, theirs = _fragment(await voter.next()), _fragment(await neighbour.next())
        assert "Dernière minute" in mine and "Dernière minute" in theirs
        assert "Retirer ma gommette" in mine and "Retirer ma gommette" not in theirs
        assert "vote-" not in mine and "vote-" not in theirs  # no marker left
        await voter.close()
        await neighbour.close()

    _run(scenario)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_is_read_once_for_all_the_screens_of_a_group(writing, monkeypatch):
    """A group of 33 hears each write together: one read of the group for all its screens,
    then a copy each in one call on a push thread, not a read and a thread call per screen."""
    _on_postgres()
    room = writing
    readers = [room.enter(Client(), room.people[i]) for i in range(3)]
    shown = [_revision(c, room) for c in readers]
    reads: list[int] = []
    read_view = streams._read_view
    monkeypatch.setattr(streams, "_read_view", lambda pk: reads.append(pk) or read_view(pk))
    batches: list[int] = []  # the screens rendered by each call on a push thread
    pushed_all = streams._pushed_all
    monkeypatch.setattr(
        streams, "_pushed_all", lambda p, *a: batches.append(len(p)) or pushed_all(p, *a)
    )

    async def scenario() -> None:
        screens = [
            await _open(c, room, **{"Last-Event-ID": seen})
            for c, seen in zip(readers, shown, strict=True)
        ]
        await sync_to_async(_propose)(room, "Lue une fois")
        pushed = [_fragment(await screen.next()) for screen in screens]
        assert all("Lue une fois" in html for html in pushed)
        # Each copy carries its own browser's token.
        assert len({TOKEN.search(html).group(1) for html in pushed}) == 3
        assert reads == [room.groups[0].pk]
        assert batches == [3]  # one call for the three screens that heard it together
        for screen in screens:
            await screen.close()

    _run(scenario)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_member_moved_to_another_group_is_no_longer_pushed_the_first(writing):
    _on_postgres()
    room = writing
    mover = room.enter(Client(), room.people[1])
    shown = _revision(mover, room)

    async def scenario() -> None:
        screen = await _open(mover, room, **{"Last-Event-ID": shown})
        await sync_to_async(services.move_participant)(
            acting=room.organiser, participant=room.people[1], group=room.groups[1]
        )
        event = await screen.next()
        # Only the revision: the page fetches its fragment and is told it left the group.
        assert not event.startswith("event: fragment") and _told(event)
        await sync_to_async(_propose)(room, "Plus pour lui", person=0)
        assert not (await screen.next()).startswith("event: fragment")
        await screen.close()

    _run(scenario)


def _cut_listener() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query = %s",
            [f"LISTEN {streams.CHANNEL}"],
        )
        assert cursor.fetchall() == [(True,)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_open_stream_catches_up_when_its_listener_comes_back(writing):
    _on_postgres()
    room = writing
    reader = room.enter(Client(), room.people[0])
    shown = _revision(reader, room)

    async def scenario() -> None:
        screen = await _open(reader, room, **{"Last-Event-ID": shown})
        await sync_to_async(_cut_listener)()  # the database restarted, a network blip
        await sync_to_async(_propose)(room, "Pendant la coupure")  # nobody listens
        now = await sync_to_async(_revision)(reader, room)
        assert _told(await screen.next(timeout=5.0)) == now
        await screen.close()

    _run(scenario)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pages_served_by_asgi_on_postgresql_listen_and_others_poll(writing):
    _on_postgres()
    room = writing
    reader = room.enter(Client(), room.people[0])
    stream = f'data-stream="/jams/bercy/groupes/{room.groups[0].pk}/flux/"'
    assert stream not in reader.get("/jams/bercy/salle/").content.decode()  # WSGI: polls
    assert reader.get(f"/jams/bercy/groupes/{room.groups[0].pk}/flux/").status_code == 204

    async def scenario() -> None:
        browser = AsyncClient()
        browser.cookies = reader.cookies
        page = (await browser.get("/jams/bercy/salle/")).content.decode()
        assert stream in page and 'hx-trigger="jam-changed"' in page
        stranger = await AsyncClient().get(f"/jams/bercy/groupes/{room.groups[0].pk}/flux/")
        assert stranger.status_code in (302, 403)

    _run(scenario)


@pytest.mark.django_db
def test_on_sqlite_the_page_polls_and_the_stream_says_no_content(writing, settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's behaviour")
    room = writing
    reader = room.enter(Client(), room.people[0])
    page = reader.get("/jams/bercy/salle/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "data-stream" not in page
    # EventSource gives up on a 204: a page that opened a stream anyway falls back to polling.
    assert reader.get(f"/jams/bercy/groupes/{room.groups[0].pk}/flux/").status_code == 204
