"""A jam's live regions as server-sent events: « the revision changed », fanned out by PostgreSQL.

services._touch raises the revisions and NOTIFYs them in the same transaction, so a change is
announced when it commits and a rolled-back one announces nothing. Each ASGI process holds one
LISTEN connection (the Hub), shared by all its streams; a stream sends a screen its region's
revision whenever it moves, and the page fetches the fragment (`…/direct/?depuis=`) as it did
when polling. A participant's group screen gets the fragment itself in the event (`event:
fragment`): a copy of the group's shared render (fragments.py) with this screen's CSRF token,
so a write in a group of 25 costs one render and no request per screen. The group is read once
for all the screens that hear the change (GroupView: its members, and during the vote each
one's dots), and they are rendered together in one call on a push thread (_Batch). Nothing
lives only in one process: any host's NOTIFY reaches every host's listener. The facilitator's
console listens to every change, the quiet ones too (a dot, a check-in), which no other screen
shows. On SQLite, or under WSGI, the pages poll (docs/decisions/0002-jam-live-updates.md).
"""

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.db import DatabaseError, connection, connections
from django.db.models import CharField, F, Func, Value
from django.db.models.functions import Concat
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language

from pollen.jam import fragments, selectors
from pollen.jam.models import Jam, Participant, Proposal, Vote, WorkingGroup

logger = logging.getLogger(__name__)
CHANNEL = "pollen_jam"
RETRY_MS = 2000  # EventSource's wait before it reconnects, sending Last-Event-ID
HEARTBEAT_S = 15.0  # a comment line keeps proxies and load balancers from timing the stream out
LIFE_S = 300.0  # a stream ends after this; the browser reconnects with its revision
READY_S = 5.0  # how long a new stream waits for the listener before refusing (the page polls)
_LIBPQ = ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service", "options")


def available() -> bool:
    return connection.vendor == "postgresql" and settings.JAM_STREAMS != "off"


def stream_url(request: HttpRequest, url: str) -> str:
    """The stream this page's live region listens to, or "" when it polls: "auto" streams when
    the page itself came through ASGI, "on" when a proxy sends the …/flux/ paths to ASGI nodes."""
    if not available() or settings.JAM_STREAMS not in ("auto", "on"):
        return ""
    if settings.JAM_STREAMS == "auto" and not isinstance(request, ASGIRequest):
        return ""
    return url


def notify(jam: Jam, group: WorkingGroup | None, *, quiet: bool = False) -> None:
    """Announce the revisions as they stand in this transaction (delivered at its commit).
    quiet: a change only the console shows (a dot while counts are hidden, a registration, a
    check-in); every other screen ignores it."""
    if not available():
        return
    if quiet:
        query: Any = Jam.objects.filter(pk=jam.pk)
        fields = [F("pk"), F("revision"), F("stage_revision"), Value("0 0 1")]
    elif group is None:
        query = Jam.objects.filter(pk=jam.pk)
        fields = [F("pk"), F("revision"), F("stage_revision")]
    else:
        query = WorkingGroup.objects.filter(pk=group.pk)
        fields = [F("jam_id"), F("jam__revision"), F("jam__stage_revision"), F("pk"), F("revision")]
    spaced: list[Any] = [part for field in fields for part in (field, Value(" "))][:-1]
    payload = Concat(*spaced, output_field=CharField())
    sent = Func(Value(CHANNEL), payload, function="pg_notify", output_field=CharField())
    list(query.order_by().annotate(sent=sent).values_list("sent", flat=True))


@dataclass(frozen=True)
class Change:
    jam: int
    revision: int
    stage: int
    group: int = 0
    group_revision: int = 0
    quiet: int = 0  # 1: only the console shows it

    @classmethod
    def parse(cls, payload: str) -> "Change":
        return cls(*(int(part) for part in payload.split()))


class Hub:
    """One LISTEN connection per process, its notifications handed to the streams of each jam.
    After a reconnection every stream gets None: it re-reads its revision (some may be missed).
    A quiet change (a dot, a check-in) goes to the consoles' streams only: a vote burst must
    not wake every participant's stream for nothing."""

    def __init__(self) -> None:
        self._queues: dict[int, set[asyncio.Queue[Change | None]]] = {}
        self._consoles: dict[int, set[asyncio.Queue[Change | None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Event | None = None

    async def subscribe(
        self, jam_id: int, *, everything: bool = False
    ) -> asyncio.Queue[Change | None]:
        """A queue of this jam's changes (everything: the quiet ones too), once the listener
        listens (TimeoutError otherwise)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._task is None or self._task.done():
            if self._loop is not loop:
                self._queues, self._consoles = {}, {}
            self._loop, self._ready = loop, asyncio.Event()
            self._task = loop.create_task(self._listen(self._ready))
        queue: asyncio.Queue[Change | None] = asyncio.Queue()
        self._queues.setdefault(jam_id, set()).add(queue)
        if everything:
            self._consoles.setdefault(jam_id, set()).add(queue)
        assert self._ready is not None
        try:
            await asyncio.wait_for(self._ready.wait(), READY_S)
        except TimeoutError:
            self.unsubscribe(jam_id, queue)
            raise
        return queue

    def unsubscribe(self, jam_id: int, queue: asyncio.Queue[Change | None]) -> None:
        for held in (self._queues, self._consoles):
            queues = held.get(jam_id, set())
            queues.discard(queue)
            if not queues:
                held.pop(jam_id, None)

    async def close(self) -> None:
        """Stop listening (the tests, between event loops); the push threads' connections too."""
        await sync_to_async(_close_pushers, thread_sensitive=False)()
        _views.clear()
        _batches.clear()
        task, self._task, self._loop = self._task, None, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._queues, self._consoles = {}, {}

    async def _listen(self, ready: asyncio.Event) -> None:
        delay, first = 0.5, True
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    _conninfo(), autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if not first:
                        self._broadcast(None)
                    first, delay = False, 0.5
                    ready.set()
                    async for note in conn.notifies():
                        with contextlib.suppress(ValueError, TypeError):
                            self._broadcast(Change.parse(note.payload))
            except (psycopg.Error, OSError) as exc:  # streams re-read their revision once back
                logger.warning("jam streams: listener lost (%s), again in %.1f s", exc, delay)
            ready.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    def _broadcast(self, change: Change | None) -> None:
        if change is None:
            targets = [q for queues in self._queues.values() for q in queues]
        else:
            held = self._consoles if change.quiet else self._queues
            targets = list(held.get(change.jam, ()))
        for queue in targets:
            queue.put_nowait(change)


hub = Hub()


def _conninfo() -> str:
    db = connections["default"].settings_dict
    options = {k: v for k, v in db.get("OPTIONS", {}).items() if k in _LIBPQ}
    params = {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"]}
    params.update(host=db["HOST"], port=str(db["PORT"] or ""), **options)
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v})


@dataclass
class Watch:
    """What one live region shows moves with: the plenary with the jam's revision; a group's
    screen with the jam's stage and its group's own writes (views._revision); the console
    (everything) with the jam's revision, quiet changes included."""

    group: int | None
    stage: int
    own: int
    everything: bool = False

    @property
    def revision(self) -> str:
        return str(self.own) if self.group is None else f"{self.stage}.{self.own}"

    def see(self, change: Change) -> None:
        if change.quiet and not self.everything:
            return
        if self.group is None:
            self.own = max(self.own, change.revision)
            return
        self.stage = max(self.stage, change.stage)
        if change.group == self.group:
            self.own = max(self.own, change.group_revision)


def _read(jam: Jam, group: WorkingGroup | None, everything: bool = False) -> Watch:
    if group is None:
        revision = Jam.objects.values_list("revision", flat=True).get(pk=jam.pk)
        return Watch(None, 0, revision, everything)
    stage, own = WorkingGroup.objects.values_list("jam__stage_revision", "revision").get(
        pk=group.pk
    )
    return Watch(group.pk, stage, own)


def _reread(jam: Jam, group: WorkingGroup | None, everything: bool = False) -> Watch:
    try:
        return _read(jam, group, everything)
    finally:
        _release()


def _release() -> None:
    """A stream holds no database connection while it waits: it has nothing more to read."""
    if not connection.in_atomic_block:
        connection.close()


def _open_group(request: HttpRequest, slug: str, pk: int) -> tuple[Jam, WorkingGroup | None]:
    jam = selectors.access_jam(slug)
    group = selectors.access_group(jam, pk)
    if not selectors.can_read_group(selectors.viewer(request, jam), group):
        raise PermissionDenied
    return jam, group


def _open_projection(
    request: HttpRequest, slug: str, pk: int | None
) -> tuple[Jam, WorkingGroup | None]:
    jam = selectors.access_jam(slug)
    if not selectors.can_run(selectors.viewer(request, jam)):
        raise PermissionDenied
    return jam, selectors.access_group(jam, pk) if pk is not None else None


def _open_console(request: HttpRequest, slug: str) -> tuple[Jam, WorkingGroup | None]:
    jam = selectors.access_jam(slug)
    if not selectors.can_run(selectors.viewer(request, jam)):
        raise PermissionDenied
    return jam, None


def _event(revision: str) -> bytes:
    return f"id: {revision}\ndata: {revision}\n\n".encode()


def _fragment_event(revision: str, html: str) -> bytes:
    data = "".join(f"data: {line}\n" for line in html.split("\n"))
    return f"event: fragment\nid: {revision}\n{data}\n".encode()


@dataclass(frozen=True)
class Push:
    """Who the group screen is, as its stream was opened: whom to render the fragment for."""

    token: str  # the CSRF token its forms carry, drawn once from this browser's cookie
    participant: int
    link_version: int
    language: str
    stream_url: str


# The pushes of a process run on these threads, each keeping its database connection: a change
# seen by a room's 150 streams at once would otherwise open 150 connections (PostgreSQL refuses
# beyond max_connections) and pay a new backend for each. Several, so that the groups' reads
# wait for the database side by side (a phase change: every group of the room at once).
PUSH_THREADS = 6
_pusher = ThreadPoolExecutor(max_workers=PUSH_THREADS, thread_name_prefix="jam-push")


def _close_pushers() -> None:
    """Each push thread closes its connection, then a fresh pool takes over (the tests, before
    the database is dropped). The barrier holds each close until all have started: one per
    thread."""
    global _pusher
    old, _pusher = _pusher, ThreadPoolExecutor(PUSH_THREADS, thread_name_prefix="jam-push")
    barrier = threading.Barrier(PUSH_THREADS)

    def close() -> None:
        barrier.wait(timeout=10)
        connection.close()

    for done in [old.submit(close) for _ in range(PUSH_THREADS)]:
        done.result()
    old.shutdown(wait=True)


@dataclass
class GroupView:
    """A group as its screens are pushed it, read once for all of them: its members (whether
    each may still read it, and how), their own dots while the vote is open, and its proposals
    if a screen needs its cards rendered anew. Each screen then gets a copy of the shared
    render: no read of its own."""

    jam: Jam
    group: WorkingGroup
    members: dict[int, Participant]
    votes: dict[int, set[int]]  # member -> the proposals they gave a dot to (while voting)
    _proposals: list[Proposal] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def revision(self) -> str:
        return f"{self.jam.stage_revision}.{self.group.revision}"

    def proposals(self) -> list[Proposal]:
        with self._lock:  # the screens' threads render side by side: one read
            if self._proposals is None:
                self._proposals = fragments.proposals_of(self.group)
            return self._proposals


def _read_view(group_pk: int) -> GroupView | None:
    group = WorkingGroup.objects.select_related("jam").filter(pk=group_pk).first()
    if group is None:
        return None
    members = {p.pk: p for p in Participant.objects.filter(group_id=group_pk)}
    votes: dict[int, set[int]] = {pk: set() for pk in members}
    if group.voting_open:
        given = Vote.objects.filter(participant_id__in=members)
        for member, proposal in given.values_list("participant_id", "proposal_id"):
            votes[member].add(proposal)
    for participant in members.values():
        participant.group = group
    return GroupView(group.jam, group, members, votes)


# The views read lately, by (group, the revision its screens were told of): the streams of a
# group hear a change together, and the first to ask reads it for all.
_views: fragments.KeptOnce[GroupView | None] = fragments.KeptOnce(64)


def _view(group_pk: int, told: str) -> GroupView | None:
    return _views.get((group_pk, told), lambda: _read_view(group_pk))


def _pushed_all(pushes: list[Push], group_pk: int, told: str) -> list[tuple[str, bytes] | None]:
    """For each screen, (revision, event) carrying its fragment as its page would fetch it
    (during the vote, with this member's own dots), or None when the page must fetch it
    itself: the screen may no longer read the group (moved, link revoked: the fetch says why),
    or the database failed."""
    connection.close_if_unusable_or_obsolete()
    try:
        view = _view(group_pk, told)
    except DatabaseError:
        connection.close()
        return [None] * len(pushes)
    if view is None:
        return [None] * len(pushes)
    events: list[tuple[str, bytes] | None] = []
    for push in pushes:
        pushed = _render_for(push, view)
        events.append(None if pushed is None else (pushed[0], _fragment_event(*pushed)))
    return events


@dataclass
class _Batch:
    """The screens of one group that heard the same change, rendered in one call on a push
    thread (a thread call per screen cost more than the copy itself at 1,000 screens)."""

    pushes: list[Push]
    done: "asyncio.Future[list[tuple[str, bytes] | None]]"


_batches: dict[tuple[int, str], _Batch] = {}
_running: set["asyncio.Task[None]"] = set()  # the loop keeps only weak references to tasks


async def _pushed(push: Push, group_pk: int, told: str) -> tuple[str, bytes] | None:
    """This screen's event, rendered with those of the screens that heard the change in the
    same turn of the event loop (the batch starts on the next turn)."""
    loop = asyncio.get_running_loop()
    key = (group_pk, told)
    batch = _batches.get(key)
    if batch is None:
        batch = _batches[key] = _Batch([], loop.create_future())
        loop.call_soon(_start_batch, key, batch)
    index = len(batch.pushes)
    batch.pushes.append(push)
    return (await asyncio.shield(batch.done))[index]


def _start_batch(key: tuple[int, str], batch: _Batch) -> None:
    task = asyncio.get_running_loop().create_task(_run_batch(key, batch))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _run_batch(key: tuple[int, str], batch: _Batch) -> None:
    if _batches.get(key) is batch:
        del _batches[key]  # who hears the change from now on starts the next batch
    try:
        events = await sync_to_async(_pushed_all, thread_sensitive=False, executor=_pusher)(
            batch.pushes, *key
        )
    except Exception:  # each screen is told the revision and fetches its fragment itself
        logger.exception("jam streams: the fragments of group %s could not be pushed", key[0])
        events = [None] * len(batch.pushes)
    batch.done.set_result(events)


def _render_for(push: Push, view: GroupView) -> tuple[str, str] | None:
    # A screen is pushed only its own group: moved elsewhere, it fetches and is told.
    me = view.members.get(push.participant)
    if me is None or me.link_version != push.link_version:
        return None
    if not selectors.can_read_group(me, view.group):
        return None
    with translation.override(push.language):
        context = fragments.live_context(
            view.jam,
            view.group,
            me,
            revision=view.revision,
            stream_url=push.stream_url,
            votes=view.votes[me.pk],
        )
        html = fragments.shared_group_live(push.token, context, view.proposals)
    return view.revision, html


async def _announce(watch: Watch, push: Push | None) -> tuple[str, bytes]:
    """What the screen is sent for its watch's new revision: the fragment itself when it can
    be pushed (its revision, read with it, may be newer still), else the revision."""
    if push is not None and watch.group is not None:
        pushed = await _pushed(push, watch.group, watch.revision)
        if pushed is not None:
            return pushed
    return watch.revision, _event(watch.revision)


def _newer_shown(shown: str, revision: str) -> bool:
    """A pushed fragment, read after its notification, may be newer than the changes heard
    since: those are already on the screen."""
    try:
        return tuple(map(int, shown.split("."))) >= tuple(map(int, revision.split(".")))
    except ValueError:
        return False


async def _events(
    jam: Jam,
    group: WorkingGroup | None,
    watch: Watch,
    queue: "asyncio.Queue[Change | None]",
    shown: str,
    push: Push | None = None,
) -> AsyncIterator[bytes]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LIFE_S
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        if watch.revision != shown:  # changed while the screen was away: told at once
            shown, event = await _announce(watch, push)
            yield event
        while (left := deadline - loop.time()) > 0:
            try:
                changes = [await asyncio.wait_for(queue.get(), min(HEARTBEAT_S, left))]
            except TimeoutError:
                yield b": \n\n"
                continue
            while not queue.empty():
                changes.append(queue.get_nowait())
            if None in changes:
                watch = await sync_to_async(_reread)(jam, group, watch.everything)
            for change in changes:
                if change is not None:
                    watch.see(change)
            if watch.revision != shown and not _newer_shown(shown, watch.revision):
                shown, event = await _announce(watch, push)
                yield event
    finally:
        hub.unsubscribe(jam.pk, queue)


async def _stream(
    request: HttpRequest, opener: Any, *args: Any, everything: bool = False, push: bool = False
) -> HttpResponseBase:
    """204 (the page keeps polling) when streams are off; 403/404 as the fragment's view.
    Subscribed before the revision is read, so no change falls between the two."""
    if not available() or not isinstance(request, ASGIRequest):
        return HttpResponse(status=204)  # EventSource gives up on a 204: the page polls
    try:
        jam, group = await sync_to_async(opener)(request, *args)
    except BaseException:
        await sync_to_async(_release)()
        raise
    try:
        queue = await hub.subscribe(jam.pk, everything=everything)
    except TimeoutError:
        await sync_to_async(_release)()
        return HttpResponse(status=503)
    try:
        watch = await sync_to_async(_reread)(jam, group, everything)
        screen = await sync_to_async(_screen)(request, jam, group) if push else None
    except BaseException:
        hub.unsubscribe(jam.pk, queue)
        raise
    shown = request.headers.get("Last-Event-ID") or request.GET.get("depuis", "")
    response = StreamingHttpResponse(
        _events(jam, group, watch, queue, shown, screen), content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _screen(request: HttpRequest, jam: Jam, group: WorkingGroup | None) -> Push | None:
    """A participant's group screen, to push its fragment to; None for anyone else (a
    facilitator's screen fetches its own, with its controls)."""
    try:
        me = selectors.viewer(request, jam)
        if me is None or group is None or me.group_id != group.pk:
            return None
        return Push(
            get_token(request),
            me.pk,
            me.link_version,
            get_language(),
            group_stream_url(request, jam, group),
        )
    finally:
        _release()


async def group_stream(request: HttpRequest, slug: str, pk: int) -> HttpResponseBase:
    return await _stream(request, _open_group, slug, pk, push=True)


async def projection_stream(
    request: HttpRequest, slug: str, pk: int | None = None
) -> HttpResponseBase:
    return await _stream(request, _open_projection, slug, pk)


async def console_stream(request: HttpRequest, slug: str) -> HttpResponseBase:
    return await _stream(request, _open_console, slug, everything=True)


def group_stream_url(request: HttpRequest, jam: Jam, group: WorkingGroup) -> str:
    return stream_url(request, reverse("jam:group_stream", args=[jam.slug, group.pk]))


def projection_stream_url(request: HttpRequest, jam: Jam, group: WorkingGroup | None) -> str:
    if group is None:
        return stream_url(request, reverse("jam:projection_stream", args=[jam.slug]))
    return stream_url(request, reverse("jam:group_projection_stream", args=[jam.slug, group.pk]))


def console_stream_url(request: HttpRequest, jam: Jam) -> str:
    return stream_url(request, reverse("jam:console_stream", args=[jam.slug]))
