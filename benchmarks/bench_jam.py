"""Benchmark of a live jam: 150 participants in 6 groups, then 1,000 in 30, each a browser.

Run it with `make bench` (every benchmark) or alone:

    .venv/bin/python benchmarks/bench_jam.py                    # 150/6, then 1,000/30
    .venv/bin/python benchmarks/bench_jam.py --participants 20 --groups 2 --seconds 30

Options: --participants/--groups (one size), --seconds (the session after everyone has arrived,
60), --workers (gunicorn sync workers, 4), --write-every (mean seconds between two writes of one
participant, 30), --generators (load processes; 1, or 2 above 300 participants), --profile
(auto: only when a target is missed), --transport (poll, sse, or poll,sse: each size once per
transport, one after the other on the same servers), --stream-workers (uvicorn, 1). POLLEN_BENCH_TIMELINE=FILE writes every request of the
last size as JSON (seconds since the session's start, latency, kind, success).

It needs PostgreSQL at 127.0.0.1:5432 (trust auth, user postgres; POLLEN_BENCH_PG overrides the
address). It creates the database `pollen_bench_jam`, migrates it, builds one jam per size with
the ORM (groups, participants checked in and seated, an organiser, three phases, a personal link
each), serves config.wsgi with gunicorn sync workers and POLLEN_DEBUG=0, and drops everything
afterwards. With --transport sse it also serves config.asgi with uvicorn on the next port, as
the ASGI node a proxy sends the jam's …/flux/ paths to (docs/deployment.md).

Each participant is a browser simulated with asyncio and the light client of rawhttp.py: it
opens its personal link (keeping its cookies), loads its room, then polls its group's fragment
with `?depuis=<revision>` as HTMX's `every 1s` does (after a 204 on the next tick, after a swap
one second later). Its proposals, comments and votes are sent as the page sends them, by HTMX:
a POST with the CSRF token whose answer (the group's fragment, and the proposal form) is swapped
in place and says whether the server refused; like a page, it sends one request at a time
(static files, cached by a real browser, are left out). With --transport sse it polls nothing:
it holds its group's stream (server-sent events, an EventSource read with asyncio; the page
stays, so the stream stays open) and fetches the fragment with `?depuis=` only when the stream
names a revision its screen does not show. The compressed session:

- the organiser starts the "Idées" phase and opens writing and commenting;
- once its screen shows writing open, each participant writes about once every --write-every
  seconds (a proposal, or a comment on one of its group's) until 85 % of the writing time;
- the organiser closes writing, starts "Vote" and opens the vote; once its screen shows the vote,
  each participant spends all the jam's dots, one per proposal, within the next 9 s;
- 12 s after the vote opened, the organiser starts "Synthèse"; each screen polls 10 s more once
  it shows it, then stops (dots still in hand are spent all the same). Each step waits for the
  pages before it, so an overloaded session stretches (by 240 s at most).

Reported: requests/s and p50/p99 latency from the first phase to the end; the delay from each
write's acknowledgement (its POST answered) to the first poll that showed it on every other
screen of its group (a unique marker in each title and comment; phase changes and openings on
every screen); errors (exceptions, unexpected statuses, refusals); the votes each browser saw
acknowledged against the Vote rows per participant in the database; the CPU of the generator,
the server and PostgreSQL; the machine's load. Targets: 150 participants, p99 request < 150 ms
and p99 delay < 1 s; 1,000 participants, p99 delay < 2 s; both, no error, no vote lost or
counted twice, nobody beyond the jam's dots. When one is missed, each view's cost, measured alone
on the final data, times how often the session asked for it says where the time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import heapq
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_deadline_rush as rush  # noqa: E402
import rawhttp  # noqa: E402

SIZES = ((150, 6), (1000, 30))
# (p99 request, p99 delay to every screen) promised up to 150 participants, and above.
TARGETS = {150: (150.0, 1.0), 1000: (None, 2.0)}
DOTS = 5
REQUEST_TIMEOUT_S = 60.0  # as gunicorn's worker timeout
VOTE_S, VOTE_SPREAD_S = 10.0, 9.0  # dots leave within 9 s of the screen showing the vote
FINAL_MARGIN_S, DRAIN_S = 2.0, 10.0  # "Synthèse" 12 s after the vote opened; screens 10 s more
OVERTIME_S = 240.0  # an overloaded session may stretch this far past --seconds, no further
# Refusals a browser meets when the organiser closes writing while its form was on its way.
LATE_REFUSALS = ("sont fermées pour le moment", "sont fermés pour le moment")
WRITING_END_SHARE = 0.85  # no new write in the last 15 % of the writing time
PROPOSAL_SHARE = 1 / 3
PHASES = (("Idées", "ideas", 40), ("Vote", "vote", 15), ("Synthèse", "synthesis", 30))
REVISION = re.compile(rb'data-revision="([\d.]+)"')  # "12" (plenary) or "3.7" (a group: stage.own)
MARKER = re.compile(rb"BJ\d{7}")
PHASE_NAME = re.compile(rb'class="jam-clock__phase">([^<]*)<')
PROPOSAL = re.compile(rb'id="proposition-(\d+)"')
VOTABLE = re.compile(rb"/propositions/(\d+)/voter/")
ERROR_ALERT = re.compile(rb"fr-alert--error[^>]*>\s*<p>([^<]*)")
TITLES = (
    "Un fablab dans chaque lycée professionnel",
    "Des bons d'achat de prototypage pour les PME",
    "Ouvrir les ateliers des écoles d'ingénieurs le soir",
    "Un label pour les tiers-lieux qui forment",
    "La commande publique ouverte aux coopératives",
)
TEXT = (
    "Financer l'équipement et l'animation, à condition d'ouvrir l'atelier au public deux soirs "
    "par semaine ; mesurer la fréquentation et les projets sortis de l'atelier."
)
COMMENTS = (
    "D'accord, avec les communes.",
    "Et pour les zones rurales ?",
    "Qui paie l'animation après la première année ?",
    "Oui, en lien avec les régions.",
)
LEVERS = ("regulation", "funding", "procurement", "training", "communication")


def log(message: str) -> None:
    print(f"[jam {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- Django-side steps
# These run in a child process (--internal-setup / --internal-profile) with the server's env.


def _people(jam: Any, rooms: list[Any], count: int) -> list[Any]:
    """Participants of every kind, checked in and seated round the groups in turn."""
    from pollen.jam.models import Kind, Participant

    kinds = list(Kind.values)
    return Participant.objects.bulk_create(
        Participant(
            jam=jam,
            full_name=f"Participant {i:04d}",
            email=f"p{i:04d}@{jam.slug}.example",
            organisation=f"Organisation {i % 97}",
            kind=kinds[i % len(kinds)],
            group=rooms[i % len(rooms)],
            registered_at=jam.created_at,
            checked_in_at=jam.created_at,
        )
        for i in range(count)
    )


def _make_jam(organiser: Any, participants: int, groups: int, tag: str) -> dict[str, Any]:
    """One jam of this size: phases pending, groups closed, everyone checked in and seated."""
    from pollen import clock
    from pollen.jam import selectors
    from pollen.jam.models import Jam, JamRole, Kind, Participant, Phase, WorkingGroup

    now, slug = clock.now(), f"banc-{participants}-{groups}-{tag}"
    jam = Jam.objects.create(
        slug=slug,
        title=f"Jam du banc d'essai ({participants} participants)",
        starts_at=now,
        place="Bercy",
        capacity=participants,
        dots=DOTS,
        room_code=f"B{participants}G{groups}{tag[:1].upper()}"[:12],
        consent_text="J'accepte.",
        organiser=organiser,
        created_at=now,
    )
    phases = {
        name: Phase.objects.create(jam=jam, position=i, name=name, kind=kind, minutes=minutes).pk
        for i, (name, kind, minutes) in enumerate(PHASES)
    }
    rooms = WorkingGroup.objects.bulk_create(
        WorkingGroup(jam=jam, position=i, theme=f"Thème {i + 1}") for i in range(groups)
    )
    people = _people(jam, rooms, participants)
    boss = Participant.objects.create(
        jam=jam,
        full_name="Organisatrice du banc",
        email=f"organisatrice@{slug}.example",
        kind=Kind.ADMINISTRATION,
        role=JamRole.ORGANISER,
        user=organiser,
        registered_at=now,
        checked_in_at=now,
    )
    links = [
        {"pk": p.pk, "group": p.group_id, "token": selectors.personal_token(p)} for p in people
    ]
    return {
        "slug": slug,
        "transport": tag,
        "phases": phases,
        "organiser": selectors.personal_token(boss),
        "participants": links,
    }


def internal_setup(state_path: Path, sizes: list[tuple[int, int, str]]) -> None:
    import django

    django.setup()
    from django.db import transaction

    from pollen.accounts.models import Role, User

    with transaction.atomic():
        organiser = User.objects.create_user(
            "organisatrice@banc.pollen.example",
            secrets.token_urlsafe(16),
            full_name="Organisatrice du banc",
            role=Role.MANAGER,
        )
        jams = [_make_jam(organiser, p, g, t) for p, g, t in sizes]
    state_path.write_text(json.dumps(jams), encoding="utf-8")


def _cost(client: Any, call: Any, backend: int, count: int) -> dict[str, float]:
    """Wall, Python CPU and PostgreSQL CPU of one request, averaged over `count` after a warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        call(client)
    with CaptureQueriesContext(connection) as queries:
        status = call(client).status_code
    wall, cpu, pg = time.perf_counter(), time.process_time(), rush._cpu_seconds(backend)
    for _ in range(count):
        call(client)
    return {
        "status": status,
        "queries": len(queries.captured_queries),
        "wall": (time.perf_counter() - wall) / count * 1000,
        "cpu": (time.process_time() - cpu) / count * 1000,
        "pg": (rush._cpu_seconds(backend) - pg) / count * 1000,
    }


def _profile_calls(jam: Any, me: Any, token: str) -> dict[str, Any]:
    """Each request a browser sends, as a callable on a Django test client signed in as `me`."""
    live = f"/jams/{jam.slug}/groupes/{me.group_id}/direct/"
    voted = me.votes.values_list("proposal_id", flat=True).first()
    target = jam.proposals.filter(group=me.group_id).values_list("pk", flat=True).first()

    def revision() -> str:  # what the group's screen holds: the jam's stage, the group's own
        from pollen.jam.models import WorkingGroup

        stage, own = WorkingGroup.objects.filter(pk=me.group_id).values_list(
            "jam__stage_revision", "revision"
        )[0]
        return f"{stage}.{own}"

    def vote_twice(c: Any) -> Any:  # a dot removed then put back: two writes, as in the burst
        path = f"/jams/{jam.slug}/propositions/{voted}/voter/"
        c.post(path, {"retirer": "1"}, HTTP_HX_REQUEST="true")
        return c.post(path, HTTP_HX_REQUEST="true")

    return {
        "entrer": lambda c: c.get(f"/jams/{jam.slug}/entrer/{token}/"),
        "direct 204": lambda c: c.get(live, {"depuis": revision()}),
        "direct 200": lambda c: c.get(live, {"depuis": "-1"}),
        "salle": lambda c: c.get(f"/jams/{jam.slug}/salle/", {"groupe": me.group_id}),
        "voter": vote_twice,
        "commenter": lambda c: c.post(
            f"/jams/{jam.slug}/propositions/{target}/commenter/", {"text": "Profil."}
        ),
    }


FRAGMENT_BUCKETS = {
    "vue group_live (tout compris)": ("jam/views.py", "group_live"),
    "  rendu du gabarit _group_live.html (requêtes paresseuses comprises)": (
        "django/shortcuts.py",
        "render",
    ),
    "  selectors.viewer (qui demande)": ("jam/selectors.py", "viewer"),
    "SQL (toutes requêtes, attente comprise)": ("django/db/backends/utils.py", "_execute"),
    "session (lecture en base)": ("accounts/sessions.py", "load"),
}


def _fragment_profile(call: Any, client: Any, count: int) -> dict[str, float]:
    """Where a fresh fragment's time goes, in ms per request under cProfile."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        call(client)
    profiler.disable()
    stats: Any = pstats.Stats(profiler)
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.stats.values())
    times = rush._bucket_times(stats, FRAGMENT_BUCKETS)
    per_request = {name: seconds / count * 1000 for name, seconds in times.items()}
    return per_request | {"total sous cProfile": total / count * 1000}


def internal_profile(state_path: Path, slug: str, out_path: Path) -> None:
    """Per-view cost on the data the run left, and where a fresh fragment's time goes."""
    import django

    django.setup()
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client

    from pollen.jam import services
    from pollen.jam.models import Jam, JamRole, Participant

    state = {j["slug"]: j for j in json.loads(state_path.read_text(encoding="utf-8"))}[slug]
    jam = Jam.objects.get(slug=slug)
    boss = Participant.objects.get(jam=jam, role=JamRole.ORGANISER)
    services.set_openings(acting=boss, jam=jam, group=None, commenting_open=True)
    tokens = {p["pk"]: p["token"] for p in state["participants"]}
    voters = Participant.objects.filter(pk__in=tokens, votes__isnull=False).order_by("pk")
    me = voters.first() or Participant.objects.get(pk=state["participants"][0]["pk"])
    request_started.disconnect(reset_queries)  # or each request empties the queries captured
    client = Client(HTTP_HOST="127.0.0.1")
    client.get(f"/jams/{slug}/entrer/{tokens[me.pk]}/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    calls = _profile_calls(jam, me, tokens[me.pk])
    costs = {kind: _cost(client, call, backend, 20) for kind, call in calls.items()}
    costs["voter"] = {k: v / 2 for k, v in costs["voter"].items()} | {"status": 200}
    fragment = _fragment_profile(calls["direct 200"], client, 20)
    out_path.write_text(json.dumps({"costs": costs, "fragment": fragment}), encoding="utf-8")


# --------------------------------------------------------------------------- load generator


class Journal:
    """What one generator process saw: every request, every write it made, every sighting."""

    def __init__(self) -> None:
        self.requests: list[tuple[float, float, str, bool]] = []  # (start, latency, kind, ok)
        self.errors: Counter[str] = Counter()
        self.late: Counter[str] = Counter()  # writes refused because writing closed meanwhile
        self.writes: list[tuple[str, int, int, float]] = []  # (signal, group or 0, writer, ack)
        self.seen: list[tuple[int, str, float]] = []  # (participant index, signal, first seen)
        self.votes: dict[int, list[int]] = {}  # participant index: [acknowledged, unconfirmed]
        self.vote_acks: list[float] = []
        self.votes_planned = 0
        self.fragment_bytes = 0  # all the fresh fragments' bodies, to tell their mean size
        self.skipped = 0  # writes a screen no longer allowed (writing closed on that screen)
        self.pushed = 0  # fragments received in the stream's events (no request)
        self.lag: list[float] = []  # event-loop lateness, seconds

    def request(self, started: float, kind: str, ok: bool) -> None:
        self.requests.append((started, time.monotonic() - started, kind, ok))

    def dump(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": dict(self.errors),
            "late": dict(self.late),
            "writes": self.writes,
            "seen": self.seen,
            "votes": self.votes,
            "vote_acks": self.vote_acks,
            "votes_planned": self.votes_planned,
            "fragment_bytes": self.fragment_bytes,
            "skipped": self.skipped,
            "pushed": self.pushed,
            "lag": self.lag,
        }


class Browser(rawhttp.Connection):
    """One browser: its cookies (all of them, messages included) and one connection, which the
    sync workers close after each answer (rawhttp opens the next one)."""

    def __init__(self, base: str, journal: Journal) -> None:
        host, port = base.removeprefix("http://").split(":")
        super().__init__(host, int(port), REQUEST_TIMEOUT_S)
        self.base, self.journal = base, journal
        self.cookies: dict[str, str] = {}

    async def get(self, path: str, headers: dict[str, str]) -> rawhttp.Response:
        head = "".join(
            [
                f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n",
                *(f"{k}: {v}\r\n" for k, v in headers.items()),
                "\r\n",
            ]
        )
        return await asyncio.wait_for(self._exchange(head.encode("latin-1")), self.timeout)

    def absorb(self, response: rawhttp.Response) -> None:
        for raw in response.get_list("set-cookie"):
            name, _, rest = raw.partition("=")
            value, _, attributes = rest.partition(";")
            if "max-age=0" in attributes.lower().replace(" ", "") or value in ("", '""'):
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value

    async def fetch(
        self, kind: str, path: str, expect: tuple[int, ...], form: dict[str, str] | None = None
    ) -> rawhttp.Response | None:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if kind.startswith("direct") or kind in ("voter", "proposer", "commenter"):
            headers["HX-Request"] = "true"
        started = time.monotonic()
        try:
            if form is None:
                response = await self.get(path, headers)
            else:
                headers.update(Origin=self.base, Referer=self.base + path)
                response = await self.post(path, form, headers)
        except Exception as exc:  # every failure counts, by request kind and exception type
            self.journal.request(started, kind, False)
            self.journal.errors[f"{kind} : {type(exc).__name__}"] += 1
            await self.close()
            return None
        ok = response.status_code in expect
        if kind == "direct":
            kind = f"direct {response.status_code}"
        self.journal.request(started, kind, ok)
        if not ok:
            self.journal.errors[f"{kind} : HTTP {response.status_code}"] += 1
            return None
        self.absorb(response)
        return response

    async def navigate(self, kind: str, path: str, form: dict[str, str] | None = None) -> Sent:
        """A link followed or a form sent, then the page it redirects to, as a browser does."""
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        # A proposal refused comes back as the room with the text kept (409), not as a redirect.
        answer = await self.fetch(kind, path, (302, 409) if kind == "proposer" else (302,), form)
        answered = time.monotonic()
        if answer is None:
            return Sent(answered, False)
        if answer.status_code == 409:
            self.refused(kind, answer.body)
            return Sent(answered, False)
        page: rawhttp.Response | None = answer
        for _hop in range(3):  # the room sends the organiser on to the console
            if page is None or page.status_code != 302:
                break
            location = page.get("location")
            target = "console" if "/console/" in location else "salle"
            page = await self.fetch(target, location, (200, 302))
        if page is None or page.status_code != 200:
            return Sent(answered, None)
        if ERROR_ALERT.search(page.body):
            self.refused(kind, page.body)
            return Sent(answered, False)
        return Sent(answered, True, page.body)

    async def swap(self, kind: str, path: str, form: dict[str, str]) -> Sent:
        """A form sent by HTMX: the answer is the fragment swapped in place, no redirect."""
        form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
        answer = await self.fetch(kind, path, (200,), form)
        answered = time.monotonic()
        if answer is None:
            return Sent(answered, None)
        if ERROR_ALERT.search(answer.body):
            self.refused(kind, answer.body)
            return Sent(answered, False)
        return Sent(answered, True, answer.body)

    def refused(self, kind: str, page: bytes) -> None:
        """A refusal is an error, unless writing closed while the form was on its way."""
        found = ERROR_ALERT.search(page)
        message = found.group(1).decode("utf-8", "replace").strip()[:70] if found else "?"
        late = any(words in message for words in LATE_REFUSALS)
        (self.journal.late if late else self.journal.errors)[f"{kind} refusé : {message}"] += 1


@dataclass(frozen=True)
class Sent:
    """A form sent: when its POST was answered, whether the server took it (None: the page
    after the redirect did not come, so nobody knows), and that page."""

    answered: float
    accepted: bool | None
    page: bytes = b""


@dataclass
class Screen:
    """What a participant's screen shows, read from the last room page or fragment."""

    revision: str = "0"
    writing: bool = False
    voting: bool = False
    proposals: list[int] = field(default_factory=list)
    votable: list[int] = field(default_factory=list)
    first_seen: dict[str, float] = field(default_factory=dict)

    def read(self, body: bytes, at: float) -> None:
        if found := REVISION.search(body):
            self.revision = found.group(1).decode()
        self.writing = b"Propositions ouvertes" in body
        self.voting = b"Vote ouvert" in body
        self.proposals = [int(pk) for pk in PROPOSAL.findall(body)]
        # Each vote form names its proposal twice (action and hx-post): one entry per proposal.
        self.votable = list(dict.fromkeys(int(pk) for pk in VOTABLE.findall(body)))
        signals = {m.decode() for m in MARKER.findall(body)}
        if phase := PHASE_NAME.search(body):
            signals.add("phase:" + phase.group(1).decode("utf-8", "replace"))
        signals.update(
            s for s, on in (("open:writing", self.writing), ("open:voting", self.voting)) if on
        )
        for signal_ in signals:
            self.first_seen.setdefault(signal_, at)


class Participant:
    """One simulated participant: a browser, a screen, and what they mean to do and when."""

    def __init__(self, spec: dict[str, Any], me: dict[str, Any], journal: Journal) -> None:
        self.spec, self.me, self.journal = spec, me, journal
        self.browser = Browser(spec["base"], journal)
        self.screen = Screen()
        self.rng = random.Random(spec["seed"] * 100_003 + me["index"])
        self.todo: list[tuple[float, int, str, int]] = []  # heap of (when, seq, action, target)
        self.written = 0
        self.planned_writing = self.planned_vote = False
        self.votes = journal.votes.setdefault(me["index"], [0, 0])
        # --transport sse: the EventSource's task, the last revision it named, its last event id
        self.stream: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()
        self.latest = self.last_id = ""

    @property
    def slug(self) -> str:
        return str(self.spec["slug"])

    def look(self, body: bytes) -> None:
        self.screen.read(body, time.monotonic())
        if self.screen.writing and not self.planned_writing:
            self.planned_writing = True
            self._plan_writing(time.monotonic())
        if self.screen.voting and not self.planned_vote:
            self.planned_vote = True
            self._plan_vote(time.monotonic())

    def _plan_writing(self, now: float) -> None:
        until = self.spec["t0"] + self.spec["writing_s"] * WRITING_END_SHARE
        at = now + self.rng.expovariate(1 / self.spec["write_every"])
        while at < until:
            heapq.heappush(self.todo, (at, len(self.todo), "write", 0))
            at += self.rng.expovariate(1 / self.spec["write_every"])

    def _plan_vote(self, now: float) -> None:
        targets = self.rng.sample(
            self.screen.votable, min(self.spec["dots"], len(self.screen.votable))
        )
        self.journal.votes_planned += len(targets)
        for pk in targets:
            heapq.heappush(
                self.todo, (now + self.rng.uniform(0, VOTE_SPREAD_S), len(self.todo), "vote", pk)
            )

    async def attend(self) -> None:
        await _sleep_until(self.me["arrive_at"])
        entry = f"/jams/{self.slug}/entrer/{self.me['token']}/"
        sent = await self.browser.navigate("entrer", entry)
        if not sent.accepted:
            return
        self.look(sent.page)
        if self.spec["transport"] == "sse":
            await self._attend_streamed()
            return
        next_poll = time.monotonic() + 1.0
        while True:
            due = self.todo[0][0] if self.todo else math.inf
            if next_poll >= self.stop_polling_at():  # the screen closes; dots in hand still go
                next_poll = math.inf
            wake = min(next_poll, due)
            if wake >= self.spec["hard_stop"]:
                break
            await _sleep_until(wake)
            if due <= next_poll:
                _, _, action, target = heapq.heappop(self.todo)
                await (self.write() if action == "write" else self.vote(target))
                next_poll = time.monotonic() + 1.0  # the page reloaded: its poll starts anew
            else:
                next_poll = await self.poll(next_poll)
        await self.browser.close()

    async def _attend_streamed(self) -> None:
        """As a page with a stream: it fetches its fragment only when the stream names a revision
        it does not show; its forms are swapped in place, so its stream stays open."""
        self.listen()
        while True:
            due = self.todo[0][0] if self.todo else math.inf
            if self.stream is not None and time.monotonic() >= self.stop_polling_at():
                await self.unlisten()
            wake = min(due, self.stop_polling_at() if self.stream is not None else math.inf)
            if wake == math.inf or time.monotonic() >= self.spec["hard_stop"]:
                break
            if await self._changed_before(min(wake, self.spec["hard_stop"])):
                if self.latest and self.latest != self.screen.revision:
                    await self.refresh()
                continue
            if due <= time.monotonic():
                _, _, action, target = heapq.heappop(self.todo)
                if action == "write":
                    await self.write()
                else:
                    await self.vote(target)
        await self.unlisten()
        await self.browser.close()

    async def _changed_before(self, moment: float) -> bool:
        try:
            await asyncio.wait_for(self.changed.wait(), max(0.0, moment - time.monotonic()))
        except TimeoutError:
            return False
        self.changed.clear()
        return True

    async def refresh(self) -> None:
        path = f"/jams/{self.slug}/groupes/{self.me['group']}/direct/?depuis={self.screen.revision}"
        response = await self.browser.fetch("direct", path, (200, 204))
        if response is not None and response.status_code == 200:
            self.journal.fragment_bytes += len(response.body)
            self.look(response.body)

    def listen(self) -> None:
        if self.stream is not None:
            self.stream.cancel()
        self.last_id = ""
        self.stream = asyncio.create_task(self._listen(self.screen.revision))

    async def unlisten(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.cancel()
            await asyncio.gather(stream, return_exceptions=True)

    async def _listen(self, shown: str) -> None:
        """EventSource: open, read events, reconnect after `retry` with Last-Event-ID."""
        host, port = self.spec["stream_base"].removeprefix("http://").split(":")
        path = f"/jams/{self.slug}/groupes/{self.me['group']}/flux/?depuis={shown}"
        while True:
            writer = None
            started = time.monotonic()
            try:
                reader, writer = await asyncio.open_connection(host, int(port))
                cookies = "; ".join(f"{k}={v}" for k, v in self.browser.cookies.items())
                head = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: {cookies}\r\n"
                head += "Accept: text/event-stream\r\n"
                if self.last_id:
                    head += f"Last-Event-ID: {self.last_id}\r\n"
                writer.write((head + "\r\n").encode("latin-1"))
                status = await asyncio.wait_for(reader.readline(), REQUEST_TIMEOUT_S)
                code = int(status.split(b" ", 2)[1]) if status else 0
                self.journal.request(started, "flux", code == 200)
                if code != 200:
                    self.journal.errors[f"flux : HTTP {code}"] += 1
                    return  # EventSource gives up; the page would poll
                chunked = False
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    chunked |= line.lower().startswith(b"transfer-encoding: chunked")
                kind, data = "", []
                async for line in _event_lines(reader, chunked):
                    if line.startswith(b"id: "):
                        self.last_id = line[4:].decode()
                    elif line.startswith(b"event: "):
                        kind = line[7:].decode()
                    elif line.startswith(b"data: "):
                        data.append(line[6:])
                    elif not line and data:  # an event ends: a revision, or the fragment itself
                        if kind == "fragment":  # swapped in as jam.js does: no fetch
                            self.journal.pushed += 1
                            self.look(b"\n".join(data))
                            self.latest = self.last_id
                        else:
                            self.latest = data[-1].decode()
                        self.changed.set()
                        kind, data = "", []
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as exc:
                self.journal.request(started, "flux", False)
                self.journal.errors[f"flux : {type(exc).__name__}"] += 1
            finally:
                if writer is not None:
                    writer.close()
            await asyncio.sleep(2.0)  # the stream's `retry:`

    def stop_polling_at(self) -> float:
        """DRAIN_S after this screen showed the last phase, as the session's end."""
        final = self.screen.first_seen.get("phase:Synthèse", math.inf)
        return min(final + DRAIN_S, self.spec["hard_stop"])

    async def poll(self, tick: float) -> float:
        """One poll; the next one, as HTMX's `every 1s` schedules it."""
        path = f"/jams/{self.slug}/groupes/{self.me['group']}/direct/?depuis={self.screen.revision}"
        response = await self.browser.fetch("direct", path, (200, 204))
        now = time.monotonic()
        if response is not None and response.status_code == 200:
            self.journal.fragment_bytes += len(response.body)
            self.look(response.body)
            return now + 1.0  # the fragment was swapped: the new element polls a second later
        while tick <= now:  # triggers are dropped while a request is in flight
            tick += 1.0
        return tick

    async def write(self) -> None:
        if not self.screen.writing:
            self.journal.skipped += 1
            return
        self.written += 1
        marker = f"BJ{self.me['index']:04d}{self.written:03d}"
        # Enough proposals for everyone's dots first; then a third proposals, the rest comments.
        visible = self.screen.proposals
        if len(visible) <= self.spec["dots"] or self.rng.random() < PROPOSAL_SHARE:
            kind, path = "proposer", f"/jams/{self.slug}/groupes/{self.me['group']}/proposer/"
            title = f"{marker} {self.rng.choice(TITLES)}"
            form = {"title": title, "text": TEXT, "lever": self.rng.choice(LEVERS)}
        else:
            target = self.rng.choice(visible)
            kind, path = "commenter", f"/jams/{self.slug}/propositions/{target}/commenter/"
            form = {"text": f"{marker} {self.rng.choice(COMMENTS)}"}
        sent = await self.browser.swap(kind, path, form)  # HTMX: the page stays, its stream too
        if sent.accepted:
            self.journal.writes.append((marker, self.me["group"], self.me["index"], sent.answered))
            self.look(sent.page)

    async def vote(self, proposal: int) -> None:
        path = f"/jams/{self.slug}/propositions/{proposal}/voter/"
        sent = await self.browser.swap("voter", path, {})
        if sent.accepted:
            self.votes[0] += 1
            self.journal.vote_acks.append(sent.answered)
            self.look(sent.page)
        elif sent.accepted is None:
            self.votes[1] += 1  # the POST was answered, the page after it was not: unknown


async def _event_lines(reader: asyncio.StreamReader, chunked: bool) -> Any:
    """The event stream's lines, through HTTP/1.1 chunks when the server sends them so."""
    buffer = b""
    while True:
        if chunked:
            size_line = await reader.readline()
            size = int(size_line.split(b";")[0], 16) if size_line.strip() else 0
            if size == 0:
                return
            buffer += await reader.readexactly(size)
            await reader.readline()
        else:
            data = await reader.read(4096)
            if not data:
                return
            buffer += data
        # Split once: partitioning line by line copied the rest of a 20 KB event for each of
        # its lines, and the generator's own CPU is taken from the servers on this machine.
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line.rstrip(b"\r")


async def _sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.monotonic()))


async def organise(spec: dict[str, Any], journal: Journal) -> None:
    """The organiser's console: writing for --seconds less the vote, the vote for 10 s from the
    moment it opened, then the last phase; each step waits for the previous one's page."""
    browser = Browser(spec["base"], journal)
    await _sleep_until(spec["arrive_start"])
    await browser.navigate("entrer", f"/jams/{spec['slug']}/entrer/{spec['organiser']}/")
    await _sleep_until(spec["t0"])
    await _console(browser, spec, "phase", "Idées")
    await _console(browser, spec, "open", "writing", writing_open="1", commenting_open="1")
    await _sleep_until(spec["t0"] + spec["writing_s"])
    await _console(browser, spec, "open", "", writing_open="0", commenting_open="0")
    await _console(browser, spec, "phase", "Vote")
    opened = await _console(browser, spec, "open", "voting", voting_open="1")
    await _sleep_until(opened + VOTE_S + FINAL_MARGIN_S)
    await _console(browser, spec, "phase", "Synthèse")
    await browser.close()


async def _console(
    browser: Browser, spec: dict[str, Any], action: str, name: str, **form: str
) -> float:
    """One button of the console; a change every screen must show is recorded as a write."""
    slug = spec["slug"]
    if action == "phase":
        path = f"/jams/{slug}/console/phases/{spec['phases'][name]}/demarrer/"
    else:
        path = f"/jams/{slug}/console/ouvertures/"
    sent = await browser.navigate("phase" if action == "phase" else "ouvertures", path, form)
    if sent.accepted and name:  # group 0 stands for every screen
        browser.journal.writes.append((f"{action}:{name}", 0, -1, sent.answered))
    return sent.answered


async def _watch_loop(journal: Journal) -> None:
    """How late the generator's own loop runs: if it lags, the generator is the bottleneck."""
    while True:
        started = time.monotonic()
        await asyncio.sleep(0.1)
        journal.lag.append(time.monotonic() - started - 0.1)


async def generate(spec: dict[str, Any]) -> Journal:
    journal = Journal()
    people = [Participant(spec, me, journal) for me in spec["browsers"]]
    watch = asyncio.create_task(_watch_loop(journal))
    tasks = [p.attend() for p in people]
    if spec.get("organiser"):
        tasks.append(organise(spec, journal))
    await asyncio.gather(*tasks)
    watch.cancel()
    for person in people:
        journal.seen.extend((person.me["index"], s, t) for s, t in person.screen.first_seen.items())
    return journal


def internal_load(spec_path: Path, out_path: Path) -> None:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    gc.collect()
    gc.disable()  # a full collection of the growing journals would stall every browser at once
    cpu, wall = time.process_time(), time.monotonic()
    journal = asyncio.run(generate(spec))
    result = journal.dump()
    result.update(cpu=time.process_time() - cpu, wall=time.monotonic() - wall)
    out_path.write_text(json.dumps(result), encoding="utf-8")


# --------------------------------------------------------------------------- one size, measured


@dataclass
class Timeline:
    """The session's moments (time.monotonic, shared by every process of this machine): the
    planned ones, then those the organiser's pages and the last answer actually gave."""

    arrive_start: float
    arrival_s: float
    t0: float
    writing_s: float
    hard_stop: float
    vote_at: float = math.nan  # the vote's opening acknowledged
    final_at: float = math.nan  # the last phase's start acknowledged
    end: float = math.nan  # the last answer of the session

    def settle(self, journals: list[dict[str, Any]]) -> None:
        done = {s: t for j in journals for s, _g, writer, t in j["writes"] if writer < 0}
        self.end = max(s + lat for j in journals for s, lat, _k, _ok in j["requests"])
        self.vote_at = done.get("open:voting", self.end)
        self.final_at = done.get("phase:Synthèse", self.end)

    def stages(self) -> list[tuple[str, float, float]]:
        return [
            ("arrivée (liens personnels)", self.arrive_start, self.t0),
            ("écriture", self.t0, self.vote_at),
            ("rafale de votes", self.vote_at, self.final_at),
            ("synthèse, fin", self.final_at, self.end),
        ]


def _timeline(participants: int, seconds: float) -> Timeline:
    arrival_s = max(3.0, participants / 50)  # people open their links over seconds, 50 a second
    arrive_start = time.monotonic() + 2.0  # the generators' start-up
    writing_s = max(seconds - VOTE_S - FINAL_MARGIN_S - DRAIN_S, 5.0)
    t0 = arrive_start + arrival_s + 3.0
    return Timeline(arrive_start, arrival_s, t0, writing_s, t0 + seconds + OVERTIME_S)


def _specs(
    args: argparse.Namespace, jam: dict[str, Any], base: str, line: Timeline
) -> list[dict[str, Any]]:
    rng = random.Random(args.seed)
    browsers = [
        {**p, "index": i, "arrive_at": line.arrive_start + rng.uniform(0, line.arrival_s)}
        for i, p in enumerate(jam["participants"])
    ]
    count = args.generators or (1 if len(browsers) <= 300 else 2)
    common = {
        "base": base,
        "slug": jam["slug"],
        "phases": jam["phases"],
        "dots": DOTS,
        "write_every": args.write_every,
        "seed": args.seed,
        "arrive_start": line.arrive_start,
        "t0": line.t0,
        "writing_s": line.writing_s,
        "hard_stop": line.hard_stop,
    }
    return [
        {**common, "browsers": browsers[k::count], "organiser": jam["organiser"] if k == 0 else ""}
        for k in range(count)
    ]


@dataclass
class Run:
    """One size's session: the generators' journals merged, and the server side's figures."""

    participants: int
    groups: int
    transport: str
    line: Timeline
    journals: list[dict[str, Any]]
    stack_cpu: float  # server (gunicorn) + PostgreSQL backends, CPU seconds from t0 to the end
    machine_busy: float
    counts: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def all_requests(self) -> list[tuple[float, float, str, bool]]:
        return [(s, lat, k, ok) for j in self.journals for s, lat, k, ok in j["requests"]]

    def errors(self) -> Counter[str]:
        return sum((Counter(j["errors"]) for j in self.journals), Counter())


async def warm_up(base: str, jam: dict[str, Any], browsers: int) -> Counter[str]:
    """Every worker's first requests import and compile (templates, URLs): not to be measured."""
    journal = Journal()

    async def one(me: dict[str, Any]) -> None:
        browser = Browser(base, journal)
        await browser.navigate("entrer", f"/jams/{jam['slug']}/entrer/{me['token']}/")
        for _ in range(3):
            path = f"/jams/{jam['slug']}/groupes/{me['group']}/direct/?depuis=-1"
            await browser.fetch("direct", path, (200,))
        await browser.close()

    people = jam["participants"]
    await asyncio.gather(*(one(people[k % len(people)]) for k in range(browsers)))
    return journal.errors


def run_size(
    args: argparse.Namespace,
    jam: dict[str, Any],
    base: str,
    stream_base: str,
    server_pids: list[int],
    tmp: Path,
) -> Run:
    if problems := asyncio.run(warm_up(base, jam, 3 * args.workers)):
        log(f"mise en route : {dict(problems)}")
    participants = len(jam["participants"])
    groups = len({p["group"] for p in jam["participants"]})
    line = _timeline(participants, args.seconds)
    procs = []
    for k, spec in enumerate(_specs(args, jam, base, line)):
        spec.update(transport=jam["transport"], stream_base=stream_base)
        (tmp / f"spec-{k}.json").write_text(json.dumps(spec), encoding="utf-8")
        command = [sys.executable, __file__, "--internal-load", str(tmp / f"spec-{k}.json")]
        procs.append(subprocess.Popen([*command, str(tmp / f"out-{k}.json")], cwd=ROOT))
    log(
        f"{participants} participants, {groups} groupes, {jam['transport']}, {len(procs)} générateur(s)"
    )
    try:
        probe_main = rush.stack_cpu_probe(server_pids[0], args.db_name)

        def probe() -> float:  # the stream node's processes too, when it serves this run
            others = [q for pid in server_pids[1:] for q in (pid, *rush._children(pid))]
            return probe_main() + sum(rush._cpu_seconds(q) for q in others)

        time.sleep(max(0.0, line.t0 - time.monotonic()))
        stack0, ticks0 = probe(), rush._cpu_ticks()
        for proc in procs:
            proc.wait(timeout=line.hard_stop - time.monotonic() + 2 * REQUEST_TIMEOUT_S)
        stack1, ticks1 = probe(), rush._cpu_ticks()
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    if any(proc.returncode for proc in procs):
        raise RuntimeError("un générateur de charge a échoué (voir sa sortie d'erreur)")
    journals = [json.loads((tmp / f"out-{k}.json").read_text()) for k in range(len(procs))]
    line.settle(journals)
    if timeline := os.environ.get("POLLEN_BENCH_TIMELINE"):  # to look at stalls, second by second
        rows = [
            [s - line.t0, lat, kind, ok] for j in journals for s, lat, kind, ok in j["requests"]
        ]
        Path(timeline).write_text(json.dumps(sorted(rows)), encoding="utf-8")
    busy = (ticks1[0] - ticks0[0]) / max(ticks1[1] - ticks0[1], 1)
    return Run(participants, groups, jam["transport"], line, journals, stack1 - stack0, busy)


def db_counts(db_url: str, jam: dict[str, Any]) -> dict[str, Any]:
    """Vote rows per participant (by index), proposals and comments of this jam."""
    import psycopg

    index = {p["pk"]: i for i, p in enumerate(jam["participants"])}
    with psycopg.connect(db_url) as conn:
        jam_id = conn.execute("SELECT id FROM jam_jam WHERE slug = %s", [jam["slug"]]).fetchone()
        votes = conn.execute(
            "SELECT participant_id, count(*) FROM jam_vote v JOIN jam_proposal p "
            "ON p.id = v.proposal_id WHERE p.jam_id = %s GROUP BY participant_id",
            jam_id,
        ).fetchall()
        proposals = conn.execute("SELECT count(*) FROM jam_proposal WHERE jam_id = %s", jam_id)
        proposal_count = proposals.fetchone()[0]  # type: ignore[index]
        comments = conn.execute(
            "SELECT count(*) FROM jam_comment c JOIN jam_proposal p ON p.id = c.proposal_id "
            "WHERE p.jam_id = %s",
            jam_id,
        ).fetchone()[0]  # type: ignore[index]
    return {
        "votes": {index[pk]: n for pk, n in votes},
        "writes": proposal_count + comments,
    }


# --------------------------------------------------------------------------- figures


def _rank(values: list[float], q: float) -> float:
    """Nearest-rank percentile; math.inf stands for a screen that never showed the write."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def screen_delays(run: Run, jam: dict[str, Any]) -> dict[str, list[float]]:
    """For every (write, other screen that should show it): seconds from the POST's answer to the
    first poll that showed it (0 when a screen had it before the writer got its answer), by
    change: the participants' proposals and comments together, each console change alone."""
    seen = {(i, s): t for j in run.journals for i, s, t in j["seen"]}
    members: dict[int, list[int]] = defaultdict(list)
    for i, p in enumerate(jam["participants"]):
        members[p["group"]].append(i)
    everyone = range(len(jam["participants"]))
    delays: dict[str, list[float]] = defaultdict(list)
    for signal_, group, writer, answered in (w for j in run.journals for w in j["writes"]):
        change = "propositions et commentaires" if writer >= 0 else signal_
        for i in members[group] if group else everyone:
            if i != writer:
                moment = seen.get((i, signal_))
                delays[change].append(math.inf if moment is None else max(0.0, moment - answered))
    return delays


@dataclass
class Votes:
    planned: int  # the dots the screens offered (the jam's dots, fewer if few proposals)
    acknowledged: int
    unconfirmed: int
    counted: int
    lost: int  # participants' acknowledged dots missing from the database
    extra: int  # rows beyond what was acknowledged (or left unconfirmed)
    over_dots: int  # participants holding more than the jam's dots
    burst_s: float  # first to last acknowledged vote


def vote_figures(run: Run) -> Votes:
    mine: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for journal in run.journals:
        for index, (acked, unknown) in journal["votes"].items():
            mine[int(index)] = [acked, unknown]
    rows: dict[int, int] = run.counts["votes"]
    acks = sorted(t for j in run.journals for t in j["vote_acks"])
    return Votes(
        planned=sum(j["votes_planned"] for j in run.journals),
        acknowledged=sum(a for a, _ in mine.values()),
        unconfirmed=sum(u for _, u in mine.values()),
        counted=sum(rows.values()),
        lost=sum(max(0, a - rows.get(i, 0)) for i, (a, _) in mine.items()),
        extra=sum(max(0, n - sum(mine[i])) for i, n in rows.items()),
        over_dots=sum(n > DOTS for n in rows.values()),
        burst_s=acks[-1] - acks[0] if acks else 0.0,
    )


def _targets(participants: int) -> tuple[float | None, float]:
    return TARGETS[150] if participants <= 150 else TARGETS[1000]


@dataclass
class Figures:
    rate: float
    p50: float
    p99: float
    delay: tuple[float, float, float]  # p50, p99, max (s)
    pairs: int
    unseen: int
    under_target: float  # share of (write, screen) pairs shown within the delay target
    errors: int
    votes: Votes
    generator_cpu: float  # share of one core, all generator processes together
    lag_p99: float
    met: bool
    by_change: dict[str, tuple[float, float, float, int]]  # p50, p99, max (s), pairs


def figures_of(run: Run, jam: dict[str, Any]) -> Figures:
    line = run.line
    window = [r for r in run.all_requests if line.t0 <= r[0] < line.end]
    latencies = [r[1] * 1000 for r in window]
    by_change = screen_delays(run, jam)
    delays = [d for values in by_change.values() for d in values]
    votes = vote_figures(run)
    errors = sum(run.errors().values())
    p99_req, p99_delay = _targets(run.participants)
    fig = Figures(
        rate=len(window) / (line.end - line.t0),
        p50=_rank(latencies, 50),
        p99=_rank(latencies, 99),
        delay=(_rank(delays, 50), _rank(delays, 99), max(delays, default=math.nan)),
        pairs=len(delays),
        unseen=sum(d == math.inf for d in delays),
        under_target=sum(d < p99_delay for d in delays) / max(len(delays), 1),
        errors=errors,
        votes=votes,
        generator_cpu=sum(j["cpu"] for j in run.journals) / max(j["wall"] for j in run.journals),
        lag_p99=_rank([x for j in run.journals for x in j["lag"]], 99) * 1000,
        met=False,
        by_change={
            change: (_rank(values, 50), _rank(values, 99), max(values), len(values))
            for change, values in by_change.items()
        },
    )
    fig.met = (
        (p99_req is None or fig.p99 < p99_req)
        and fig.delay[1] < p99_delay
        and errors == 0
        and not (votes.lost or votes.extra or votes.over_dots or votes.unconfirmed)
    )
    return fig


# --------------------------------------------------------------------------- report


def _yes(good: bool) -> str:
    return "oui" if good else "**NON**"


def _s(seconds: float) -> str:
    return "jamais" if seconds == math.inf else f"{seconds:.2f} s"


def print_summary(runs: list[tuple[Run, Figures]]) -> None:
    print(
        "| Participants | Groupes | Durée mesurée | Requêtes/s | p50 | p99 requête | "
        "Délai jusqu'à chaque écran p50 / p99 / max | Erreurs | Votes acquittés / comptés | "
        "Cibles | Atteintes |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---:|---|---|:---:|")
    for run, fig in runs:
        p99_req, p99_delay = _targets(run.participants)
        target = f"p99 requête < {p99_req:.0f} ms, " if p99_req else ""
        votes = fig.votes
        vote_text = f"{votes.acknowledged:,} / {votes.counted:,}"
        if votes.unconfirmed:
            vote_text += f" ({votes.unconfirmed} sans confirmation)"
        print(
            f"| {run.participants:,} | {run.groups} | {run.line.end - run.line.t0:.0f} s | "
            f"{fig.rate:,.0f} | {fig.p50:,.0f} ms | {fig.p99:,.0f} ms | "
            f"{_s(fig.delay[0])} / {_s(fig.delay[1])} / {_s(fig.delay[2])} | {fig.errors} | "
            f"{vote_text} | {target}p99 délai < {p99_delay:.0f} s, 0 erreur, 0 vote perdu | "
            f"{_yes(fig.met)} |"
        )


def print_details(run: Run, fig: Figures) -> None:
    cores = len(os.sched_getaffinity(0))
    window = run.line.end - run.line.t0
    votes = fig.votes
    written = sum(w[2] >= 0 for j in run.journals for w in j["writes"])  # not the organiser's
    fresh = sum(r[2] == "direct 200" for r in run.all_requests)
    fragment_kb = sum(j["fragment_bytes"] for j in run.journals) / max(fresh, 1) / 1024
    print(f"\n### {run.participants:,} participants, {run.groups} groupes\n")
    print("| Mesure | Valeur |")
    print("|---|---|")
    rows = {
        "Paires (écrit, écran) mesurées / jamais à jour à la fin": (
            f"{fig.pairs:,} / {fig.unseen:,}"
        ),
        f"Paires affichées en moins de {_targets(run.participants)[1]:.0f} s": (
            f"{fig.under_target:.1%}"
        ),
        "Propositions et commentaires acquittés / en base": (
            f"{written:,} / {run.counts['writes']:,}"
        ),
        "Écrits non tentés (écriture déjà fermée sur l'écran)": str(
            sum(j["skipped"] for j in run.journals)
        ),
        "Votes voulus / acquittés / comptés en base": (
            f"{votes.planned:,} / {votes.acknowledged:,} / {votes.counted:,}"
        ),
        "Votes perdus / en trop / participants au-delà des gommettes": (
            f"{votes.lost} / {votes.extra} / {votes.over_dots} ({DOTS} gommettes chacun)"
        ),
        "Rafale de votes (premier → dernier vote acquitté)": f"{votes.burst_s:.1f} s",
        "Fragments complets : taille moyenne": f"{fragment_kb:,.1f} Ko",
        "Fragments reçus dans le flux (sans requête)": f"{sum(j.get('pushed', 0) for j in run.journals):,}",
        "CPU serveur (gunicorn + PostgreSQL), t0 → fin": (
            f"{run.stack_cpu / window:.2f} cœur sur {cores}, "
            f"{run.stack_cpu / max(fig.rate * window, 1) * 1000:.1f} ms par requête ; machine "
            f"occupée à {run.machine_busy:.0%}"
        ),
        "CPU générateur (tous processus)": (
            f"{fig.generator_cpu:.0%} d'un cœur, {len(run.journals)} processus ; retard de "
            f"sa boucle p99 {fig.lag_p99:.0f} ms"
        ),
    }
    for name, value in rows.items():
        print(f"| {name} | {value} |")
    print("\n| Délai jusqu'à chaque écran, par écrit | Paires | p50 | p99 | max |")
    print("|---|---:|---:|---:|---:|")
    for change, (p50, p99, most, pairs) in fig.by_change.items():
        print(f"| {change} | {pairs:,} | {_s(p50)} | {_s(p99)} | {_s(most)} |")
    errors = run.errors()
    if errors:
        print("\nErreurs : " + " ; ".join(f"{k} × {v}" for k, v in errors.most_common(8)))
    late = sum((Counter(j["late"]) for j in run.journals), Counter())
    if late:
        print(
            "\nÉcrits refusés parce que l'organisatrice a fermé l'écriture pendant leur attente "
            "(le service fait son travail ; pas compté comme erreur) : "
            + " ; ".join(f"{k} × {v}" for k, v in late.most_common(4))
        )
    print_breakdowns(run, window)


def print_breakdowns(run: Run, window: float) -> None:
    requests = run.all_requests
    print("\n| Requête | Nombre | /s (t0 → fin) | p50 | p99 | Échecs |")
    print("|---|---:|---:|---:|---:|---:|")
    by_kind: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for started, latency, kind, ok in requests:
        if started >= run.line.t0:
            by_kind[kind].append((latency * 1000, ok))
    for kind, rows in sorted(by_kind.items(), key=lambda kv: -len(kv[1])):
        lat = [x for x, _ in rows]
        print(
            f"| {kind} | {len(rows):,} | {len(rows) / window:,.1f} | {_rank(lat, 50):,.0f} ms | "
            f"{_rank(lat, 99):,.0f} ms | {sum(not ok for _, ok in rows)} |"
        )
    print("\n| Étape | Durée | Requêtes/s | dont fragments complets/s | p50 | p99 |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, start, stop in run.line.stages():
        rows_ = [r for r in requests if start <= r[0] < stop]
        lat = [r[1] * 1000 for r in rows_]
        full = sum(r[2] == "direct 200" for r in rows_)
        span = max(stop - start, 1e-9)
        print(
            f"| {name} | {span:.0f} s | {len(rows_) / span:,.0f} | {full / span:,.0f} | "
            f"{_rank(lat, 50):,.0f} ms | {_rank(lat, 99):,.0f} ms |"
        )


def print_profile(run: Run, profile: dict[str, Any]) -> None:
    """Each view's cost, measured alone, times how often the run asked for it: where time goes."""
    window = run.line.end - run.line.t0
    rates = Counter(r[2] for r in run.all_requests if r[0] >= run.line.t0)
    print(
        f"\n#### Où passe le temps ({run.participants:,} participants) : coût de chaque vue "
        "mesuré seul sur les données finales (client de test Django, 20 requêtes)\n"
    )
    print(
        "| Vue (statut) | Requêtes SQL | ms CPU Python | ms CPU PostgreSQL | "
        "Demandée pendant la séance | Cœurs que cela demande |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    total = 0.0
    for kind, cost in profile["costs"].items():
        rate = rates.get(kind, 0) / window
        cores = rate * (cost["cpu"] + cost["pg"]) / 1000
        total += cores
        print(
            f"| {kind} ({cost['status']}) | {cost['queries']:.0f} | {cost['cpu']:.1f} | "
            f"{cost['pg']:.1f} | "
            f"{rate:,.1f}/s | {cores:.2f} |"
        )
    print(
        f"| **total** | | | | | **{total:.2f}** (la machine en a {len(os.sched_getaffinity(0))}) |"
    )
    fragment = profile["fragment"]
    total = fragment.pop("total sous cProfile")
    print("\n| Fragment complet (`direct 200`), temps cumulé sous cProfile | ms | part |")
    print("|---|---:|---:|")
    for name, ms in fragment.items():
        print(f"| {name} | {ms:.2f} | {ms / total:.0%} |")
    print(f"| total sous cProfile | {total:.2f} | 100% |")


# --------------------------------------------------------------------------- orchestration


def _env(tmp: Path, db_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": db_url,
        "POLLEN_DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "POLLEN_VAR_DIR": str(tmp / "var"),
        "POLLEN_MEDIA_ROOT": str(tmp / "documents"),
        "POLLEN_STATIC_ROOT": str(tmp / "static"),
        # Mail and webhook tasks wait in the database: no worker competes with the servers.
        "POLLEN_TASKS": "database",
        "POLLEN_SSL_REDIRECT": "0",  # plain HTTP on the loopback
        "PYTHONUNBUFFERED": "1",
    }


def prepare(
    args: argparse.Namespace, sizes: list[tuple[int, int, str]], env: dict[str, str], tmp: Path
) -> list[dict[str, Any]]:
    import psycopg

    rush._admin_sql(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
    rush._admin_sql(f'CREATE DATABASE "{args.db_name}"')
    rush._run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env, 900, "migrate")
    state_path = tmp / "state.json"
    setup = [sys.executable, __file__, "--internal-setup", str(state_path)]
    setup += ["--sizes", ",".join(f"{p}x{g}x{t}" for p, g, t in sizes)]
    rush._run(setup, env, 900, "jams, groupes, participants")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute("CHECKPOINT")
    return list(json.loads(state_path.read_text(encoding="utf-8")))


def profile_of(jam: dict[str, Any], env: dict[str, str], tmp: Path) -> dict[str, Any]:
    out = tmp / f"profile-{jam['slug']}.json"
    command = [sys.executable, __file__, "--internal-profile", str(tmp / "state.json")]
    rush._run([*command, "--slug", jam["slug"], "--out", str(out)], env, 600, "profil")
    return dict(json.loads(out.read_text(encoding="utf-8")))


def _start_streams(
    args: argparse.Namespace, env: dict[str, str], port: int, logfile: Path
) -> subprocess.Popen[bytes]:
    """The ASGI node a proxy would send the jam's …/flux/ paths to (docs/deployment.md)."""
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(args.stream_workers)]
    command += ["--log-level", "warning", "--no-access-log", "--timeout-keep-alive", "60"]
    # A connection pool per process, as docs/deployment.md sets for the ASGI node.
    env = {**env, "POLLEN_DB_POOL": env.get("POLLEN_DB_POOL", "20")}
    with logfile.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def orchestrate(args: argparse.Namespace, sizes: list[tuple[int, int, str]]) -> int:
    load_before = os.getloadavg()
    tmp = Path(tempfile.mkdtemp(prefix="pollen-jam-"))
    env = _env(tmp, f"{rush.PG_ADMIN_URL}/{args.db_name}")
    port = rush._free_port(args.port)
    base = f"http://127.0.0.1:{port}"
    proc: subprocess.Popen[bytes] | None = None
    streamer: subprocess.Popen[bytes] | None = None
    results: list[tuple[Run, Figures, dict[str, Any]]] = []
    try:
        jams = prepare(args, sizes, env, tmp)
        server = rush.Server(args.workers, 1)
        proc = rush._start(server, env, port, tmp / "server.log", {})
        rush._wait_ready(proc, base, tmp / "server.log")
        stream_base = ""
        if any(t == "sse" for _p, _g, t in sizes):
            stream_port = rush._free_port(port + 1)
            stream_base = f"http://127.0.0.1:{stream_port}"
            streamer = _start_streams(args, env, stream_port, tmp / "server.log")
            rush._wait_ready(streamer, stream_base, tmp / "server.log")
        for jam in jams:
            pids = [proc.pid] + ([streamer.pid] if streamer and jam["transport"] == "sse" else [])
            run = run_size(args, jam, base, stream_base, pids, tmp)
            run.counts = db_counts(env["DATABASE_URL"], jam)
            results.append((run, figures_of(run, jam), jam))
            fig = results[-1][1]
            log(f"{run.participants} participants : p99 {fig.p99:.0f} ms, cibles {fig.met}")
        rush._stop(proc)
        rush._stop(streamer)
        load_after = os.getloadavg()
        server_log = (tmp / "server.log").read_text(errors="replace").splitlines()
        problems = [ln for ln in server_log if rush.LOG_PROBLEM.search(ln)]
        served = " ".join(server.command(port))
        if streamer is not None:
            served += f" ; flux : uvicorn config.asgi:application --workers {args.stream_workers}"
        report(args, results, (load_before, load_after), problems, served)
        if args.profile == "always" or (
            args.profile == "auto" and not all(f.met for _, f, _ in results)
        ):
            for run, _fig, jam in results:
                print_profile(run, profile_of(jam, env, tmp))
        return 0 if all(f.met for _, f, _ in results) else 1
    except KeyboardInterrupt:
        log("interrompu : nettoyage")
        return 130
    finally:
        rush._stop(proc)
        rush._stop(streamer)
        try:
            rush._admin_sql(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
        except Exception as exc:  # report it, keep cleaning
            log(f"suppression de la base {args.db_name} impossible : {exc}")
        shutil.rmtree(tmp, ignore_errors=True)
        log("nettoyé : serveur arrêté, base supprimée, fichiers temporaires effacés")


def report(
    args: argparse.Namespace,
    results: list[tuple[Run, Figures, dict[str, Any]]],
    loads: tuple[tuple[float, float, float], tuple[float, float, float]],
    problems: list[str],
    server: str,
) -> None:
    before, after = loads
    print("# Banc d'essai : un jam en direct (navigateurs simulés, gunicorn + PostgreSQL)\n")
    print(
        f"Machine : {len(os.sched_getaffinity(0))} cœurs, charge moyenne {before[0]:.2f} / "
        f"{before[1]:.2f} / {before[2]:.2f} (1 / 5 / 15 min) au départ, {after[0]:.2f} / "
        f"{after[1]:.2f} / {after[2]:.2f} à la fin. Serveur : `{server}`.\n"
    )
    print(
        f"Séance comprimée, prévue en {args.seconds:.0f} s après l'arrivée de tous : écriture (un écrit "
        f"toutes les {args.write_every:.0f} s par participant en moyenne), rafale de votes "
        f"({DOTS} gommettes chacun en {VOTE_S:.0f} s), trois changements de phase ; chaque "
        "écran interroge son fragment chaque seconde.\n"
    )
    print_summary([(r, f) for r, f, _ in results])
    print(
        "\nUn écran interroge le serveur chaque seconde : un écrit attend le tour suivant (0 à 1 s) "
        "puis la requête ; même à vide, le p99 du délai vaut donc environ 1 s plus une requête. "
        "Un écran de groupe suit la scène du jam et son propre groupe : un écrit ne renvoie le "
        "fragment complet qu'aux écrans de son groupe (et à l'écran de la plénière) ; un vote "
        "répond par le fragment (HTMX), pas par la salle entière."
    )
    for run, fig, _jam in results:
        print_details(run, fig)
    print(
        "\nJournal du serveur : "
        + (
            f"{len(problems)} ligne(s) d'erreur, dont `{problems[0][:140]}`"
            if problems
            else "aucune erreur"
        )
    )


def _sizes(text: str) -> list[tuple[int, int, str]]:
    return [(int(p), int(g), t) for p, g, t in (item.split("x") for item in text.split(","))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--participants", type=int, help="une seule taille (défaut : 150 puis 1000)"
    )
    parser.add_argument("--groups", type=int, help="groupes de cette taille")
    parser.add_argument("--seconds", type=float, default=60.0, help="séance après l'arrivée (60 s)")
    parser.add_argument("--workers", type=int, default=4, help="workers gunicorn sync (4)")
    parser.add_argument("--write-every", type=float, default=30.0, help="s entre deux écrits (30)")
    parser.add_argument("--generators", type=int, default=0, help="processus (défaut : 1, 2 > 300)")
    parser.add_argument("--profile", choices=("auto", "always", "never"), default="auto")
    parser.add_argument(
        "--transport",
        default="poll,sse",
        help="poll (chaque seconde), sse (flux + LISTEN/NOTIFY), ou poll,sse (les deux, alternés)",
    )
    parser.add_argument("--stream-workers", type=int, default=1, help="workers uvicorn (1)")
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--db-name", default="pollen_bench_jam")
    parser.add_argument("--internal-setup", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=_sizes, help=argparse.SUPPRESS)
    parser.add_argument("--internal-load", type=Path, nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--internal-profile", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--slug", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.internal_setup:
        internal_setup(args.internal_setup, args.sizes)
        return 0
    if args.internal_load:
        internal_load(*args.internal_load)
        return 0
    if args.internal_profile:
        internal_profile(args.internal_profile, args.slug, args.out)
        return 0
    if args.participants:
        sizes = [(args.participants, args.groups or max(1, round(args.participants / 25)))]
    else:
        sizes = list(SIZES)
    transports = [t for t in args.transport.split(",") if t]
    if not transports or set(transports) - {"poll", "sse"}:
        parser.error("--transport : poll, sse ou poll,sse")
    signal.signal(signal.SIGTERM, rush._interrupt)  # run_all's time limit: still clean up
    # Each size once per transport, one after the other on the same servers (interleaved).
    return orchestrate(args, [(p, g, t) for p, g in sizes for t in transports])


if __name__ == "__main__":
    sys.exit(main())
