"""Benchmark of the deadline rush: 50 applicants submitting at once to the WSGI server and PostgreSQL.

Runs the real stack: gunicorn (then granian, for comparison) serving config.wsgi with
POLLEN_DEBUG=0 on a throw-away PostgreSQL
database, 50 clients logged in through the real login form (CSRF included), each POSTing
`/candidatures/<pk>/deposer/` on its own complete drafts, one submission per draft. Afterwards it
checks that every success left exactly one Submission row and runs `manage.py verify_receipts`.
Everything it creates (database, servers, temporary files) is removed in a `finally`.

The secure cookies (SESSION_COOKIE_SECURE / CSRF_COOKIE_SECURE are True when POLLEN_DEBUG=0) are
handled by the load generator, as a browser behind a TLS-terminating proxy would see them: the
server runs its production settings unchanged and the client sends the cookies back over HTTP.

`--servers 3x1,granian:2x4,2x4` measures several configurations one after the other on the same
database, the clients staying logged in: `granian:WxT` is granian with W workers of T blocking
threads, `WxT` gunicorn with W workers of T threads (gthread when T > 1, sync otherwise).

The clients use a minimal keep-alive HTTP/1.1 client (rawhttp.py): httpx cost ~2.5 ms of CPU per
request on the machine under test. Receipt mails are queued with each submission, their tasks in
the database (POLLEN_TASKS=database), and sent by a `db_worker` started after the rushes
(`--mail during`: throughout, at idle priority); the report says when the queue was empty.
POLLEN_BENCH_TIMELINE=FILE writes every request of the last configuration as JSON
(seconds since start, latency, success), to look at stalls second by second.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import math
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import rawhttp  # noqa: E402

PG_ADMIN_URL = os.environ.get("POLLEN_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
CLOCK_START = "2013-09-13T20:00:00+02:00"  # four hours before the 2013 call closes
TARGET_RATE, TARGET_P99_MS = 150.0, 300.0
READY_TIMEOUT_S = 180.0  # workers import Django; slow on a busy machine
PROFILE_DRAFTS = 100  # kept aside for the profile after the rush
DRAFTS_FOR_RATE = 600  # drafts are created for this many submissions per second at most
COMMUNE_CODES = ("35238", "69123", "75056", "31555", "67482", "33063", "59350", "13055")
SIRETS = ("73282932000074", "35600000000048", "44306184100047")  # valid, as in tests/builders.py
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Django's request log (4xx/5xx) and the server's own errors; the rest of its output is console mail.
LOG_PROBLEM = re.compile(
    r"^(Forbidden|Not Found|Bad Request|Internal Server Error|Traceback)|\[(ERROR|CRITICAL)\]"
)
# The mail worker runs only on CPU time nobody else wants (SCHED_IDLE): nice 19 alone still
# took ~22 % of a core during the rush, its work landing in the gaps the server's waits leave.
IDLE_PRIORITY = ("chrt", "--idle", "0") if shutil.which("chrt") else ("nice", "-n", "19")
# The messages cookie would be consumed by the receipt page, which the clients do not fetch.
KEPT_COOKIES = ("sessionid", "csrftoken")
REF_PATH = ""  # --ref-path


def log(message: str) -> None:
    print(f"[rush {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- Django-side steps
# These run in a child process (--internal-setup / --internal-profile) with the benchmark's env.


def _load_territory_subset() -> list[str]:
    """All régions and départements, and a handful of real communes from the reference files."""
    from pollen.territory import sources
    from pollen.territory.models import Commune, Departement, Region

    base = sources.DECOUPAGE
    regions = sources.read_json(sources.data_path(f"{base}/regions.json"))
    Region.objects.bulk_create([Region(code=r["code"], name=r["nom"]) for r in regions])
    departements = sources.read_json(sources.data_path(f"{base}/departements.json"))
    Departement.objects.bulk_create(
        [Departement(code=d["code"], name=d["nom"], region_id=d["region"]) for d in departements]
    )
    rows = [
        r
        for r in sources.iter_commune_rows(sources.data_path(sources.COMMUNES_CSV))
        if r.code in COMMUNE_CODES
    ]
    Commune.objects.bulk_create(
        [
            Commune(
                code=r.code,
                name=r.name,
                search_name=sources.search_key(r.name),
                kind=r.kind,
                zone=r.zone,
                departement_id=r.departement,
                region_id=r.region,
                population=r.population,
                latitude=r.latitude,
                longitude=r.longitude,
            )
            for r in rows
        ]
    )
    return [r.code for r in rows]


def _budget(rng: Any) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], Any, Any]:
    """A balanced, eligible 2013 budget, varied per draft: 50-200 k€ asked, at most 70 % of it."""
    from decimal import ROUND_DOWN, Decimal

    cent = Decimal("0.01")
    total = Decimal(rng.randint(9_000_000, 28_000_000)) / 100
    share = Decimal(rng.randint(40, 70)) / 100
    subsidy = min(max(total * share, Decimal(50_000)), total * Decimal("0.70"), Decimal(200_000))
    subsidy = subsidy.quantize(cent, rounding=ROUND_DOWN)
    equipment = (total * Decimal(rng.randint(50, 80)) / 100).quantize(cent)
    works = (total * Decimal(rng.randint(0, 10)) / 100).quantize(cent)
    public = ((total - subsidy) * Decimal(rng.randint(30, 100)) / 100).quantize(cent)
    expenses = [
        ("Découpeuse laser et imprimantes 3D", "equipment", equipment),
        ("Aménagement", "works", works),
        ("Animation", "staff", total - equipment - works),
    ]
    resources = [
        ("Subvention demandée", "requested_subsidy", "requested", subsidy),
        ("Région", "public", "acquired", public),
        ("Fonds propres", "own", "acquired", total - subsidy - public),
    ]
    return (
        [(i, *line) for i, line in enumerate(expenses) if line[-1] > 0],
        [(i, *line) for i, line in enumerate(resources) if line[-1] > 0],
        subsidy,
        total,
    )


def _copy(model: Any, fields: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL COPY into a model's table: tens of thousands of rows in a second or two."""
    from django.db import connection

    columns = ", ".join(f'"{model._meta.get_field(f).column}"' for f in fields)
    with connection.cursor() as cursor:
        sql = f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def internal_setup(state_path: Path, clients: int, per_client: int, reserve: int) -> None:
    """Territory subset, applicants with their organisation, complete drafts with files on disk."""
    import datetime as dt
    import hashlib
    import random

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from pollen import clock
    from pollen.accounts.models import LegalForm, Organisation, Role, User
    from pollen.applications import adapters
    from pollen.applications.models import (
        Application,
        Document,
        ExpenseLine,
        ResourceLine,
        Status,
    )
    from pollen.calls.models import Call

    rng = random.Random(2013)
    call = Call.objects.get(slug="fablabs-2013")
    media = Path(settings.PRIVATE_MEDIA_ROOT)
    password = secrets.token_urlsafe(12)
    uploaded = clock.now() - dt.timedelta(days=1)
    with transaction.atomic():
        codes = _load_territory_subset()
        orgs = Organisation.objects.bulk_create(
            Organisation(
                legal_name=f"Fablab du banc {i:02d}",
                siret=SIRETS[i % len(SIRETS)],
                legal_form=LegalForm.ASSOCIATION,
                commune_id=codes[i % len(codes)],
                is_fablab=True,
            )
            for i in range(clients + 1)
        )
        hashed = make_password(password)  # one real PBKDF2 hash, shared by the bench accounts
        users = User.objects.bulk_create(
            User(
                email=f"porteur{i:02d}@banc.pollen.example",
                full_name=f"Porteur {i:02d}",
                role=Role.APPLICANT,
                organisation=orgs[i],
                password=hashed,
            )
            for i in range(clients + 1)
        )
        apps, budgets = [], []
        for i, (user, org) in enumerate(zip(users, orgs, strict=True)):
            for k in range(per_client if i < clients else reserve):
                expenses, resources, subsidy, total = _budget(rng)
                budgets.append((expenses, resources))
                apps.append(
                    Application(
                        call=call,
                        organisation=org,
                        created_by=user,
                        title=f"Équiper le fablab, tranche {k + 1}",
                        summary="Machines, aménagement et animation.",
                        kind="improvement",
                        status=Status.DRAFT,
                        eligible=True,
                        failed_rules=[],
                        requested_amount=subsidy,
                        total_expenses=total,
                        created_at=uploaded,
                        updated_at=uploaded,
                    )
                )
        Application.objects.bulk_create(apps, batch_size=2000)
        _copy(
            ExpenseLine,
            ["application", "position", "label", "category", "amount"],
            ((a.pk, *line) for a, (exp, _) in zip(apps, budgets, strict=True) for line in exp),
        )
        _copy(
            ResourceLine,
            ["application", "position", "label", "kind", "status", "amount"],
            ((a.pk, *line) for a, (_, res) in zip(apps, budgets, strict=True) for line in res),
        )
        documents = []
        for app in apps:
            folder = media / call.slug / str(app.pk)
            folder.mkdir(parents=True)
            for doc in call.spec.documents:
                content = PDF + f"% {doc.id} de la candidature {app.pk}\n".encode()
                sha = hashlib.sha256(content).hexdigest()
                name = f"{sha[:16]}-{doc.id}"  # the layout models.document_path gives uploads
                (folder / name).write_bytes(content)
                documents.append(
                    (
                        app.pk,
                        doc.id,
                        f"{call.slug}/{app.pk}/{name}",
                        f"{doc.id}.pdf",
                        "application/pdf",
                        len(content),
                        sha,
                        app.created_by_id,
                        uploaded,
                    )
                )
        fields = ["application", "doc_type", "file", "original_name", "content_type", "size"]
        _copy(Document, [*fields, "sha256", "uploaded_by", "uploaded_at"], documents)
    # Each draft must pass the very check the submit service runs, or we would time refusals.
    sample = rng.sample([a.pk for a in apps], min(50, len(apps)))
    for app in Application.objects.filter(pk__in=sample).select_related(
        "call", "organisation__commune"
    ):
        result = adapters.check(app, clock.now(), submitted=True)
        if not result.eligible:
            failed = [v.message for v in result.verdicts if not v.passed]
            raise SystemExit(f"brouillon {app.pk} inéligible : {failed}")
    drafts: dict[int, list[int]] = {u.pk: [] for u in users}
    for app in apps:
        drafts[app.created_by_id].append(app.pk)
    state = {
        "password": password,
        "users": [{"email": u.email, "drafts": drafts[u.pk]} for u in users[:clients]],
        "profiler": {"email": users[clients].email, "drafts": drafts[users[clients].pk]},
    }
    state_path.write_text(json.dumps(state), encoding="utf-8")


def _bucket_times(stats: Any, buckets: dict[str, tuple[str, str]]) -> dict[str, float]:
    """Cumulative seconds per bucket: the named function (file suffix, name), over its entries."""
    out = dict.fromkeys(buckets, 0.0)
    for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        for bucket, (suffix, name) in buckets.items():
            if func == name and filename.endswith(suffix):
                out[bucket] += ct
    return out


PROFILE_BUCKETS = {
    "vue submit (tout compris)": ("applications/submission_views.py", "submit"),
    "  services.submit_application": ("applications/services.py", "submit_application"),
    "    adapters.check (règles)": ("applications/adapters.py", "check"),
    "    selectors.submission_inputs (4 lectures SQL, un aller-retour)": (
        "applications/selectors.py",
        "submission_inputs",
    ),
    "    adapters.snapshot_of (copie figée)": (
        "applications/adapters.py",
        "snapshot_of",
    ),
    "    canonical_json + sha256": ("domain/apply/receipts.py", "canonical_json"),
    "    record_event (audit)": ("audit/services.py", "record_event"),
    "    _queue_receipt_mail (courriel mis en file)": (
        "applications/services.py",
        "_queue_receipt_mail",
    ),
    "    _announce (webhook « submitted »)": ("applications/services.py", "_announce"),
    "SQL (toutes requêtes, attente comprise)": ("django/db/backends/utils.py", "_execute"),
    "COMMIT": ("django/db/backends/base/base.py", "commit"),
    "session (lecture en base)": ("accounts/sessions.py", "load"),
    "utilisateur (auth.get_user)": ("django/contrib/auth/__init__.py", "get_user"),
}


def internal_profile(state_path: Path, count: int) -> None:
    """Where a submission's time goes: CPU (Python, PostgreSQL), queries, cProfile buckets."""
    import cProfile
    import pstats

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pollen.accounts.models import User
    from pollen.applications import services

    out = sys.stdout
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - the console mail lands here
    state = json.loads(state_path.read_text(encoding="utf-8"))
    user = User.objects.get(email=state["profiler"]["email"])
    drafts = list(state["profiler"]["drafts"])
    count = min(count, (len(drafts) - 3) // 3)
    timed, profiled, direct = (drafts[3 + i * count : 3 + (i + 1) * count] for i in range(3))
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)

    def submit(pk: int) -> Any:
        response = client.post(f"/candidatures/{pk}/deposer/", {"sworn": "on"})
        client.cookies.pop("messages", None)  # as in the rush: it would grow with every receipt
        return response

    for pk in drafts[:2]:  # warm-up: imports, the call's parsed spec, the connection
        submit(pk)
    with CaptureQueriesContext(connection) as one:
        response = submit(drafts[2])
    assert response.status_code == 302, response.status_code
    queries = list(one.captured_queries)  # copy now: the capture is a view on a log that moves on
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    wall, cpu, pg = time.perf_counter(), time.process_time(), _cpu_seconds(backend)
    for pk in timed:
        submit(pk)
    wall, cpu = (time.perf_counter() - wall) / count, (time.process_time() - cpu) / count
    pg = (_cpu_seconds(backend) - pg) / count
    profiler = cProfile.Profile()
    profiler.enable()
    for pk in profiled:
        submit(pk)
    profiler.disable()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as svc:
        for pk in direct:
            services.submit_application(acting_user=user, application_id=pk)
    per_service = (time.perf_counter() - started) / count
    service_queries = len(svc.captured_queries) / count
    stats = pstats.Stats(profiler, stream=out)
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in stats.stats.values())  # type: ignore[attr-defined]
    times = _bucket_times(stats, PROFILE_BUCKETS)
    sys.stdout.close()
    sys.stdout = out
    print(
        f"\n## Profil d'un dépôt, hors charge ({count} dépôts par série, client de test Django)\n"
    )
    print(
        f"- Requête complète (middlewares + vue), sans profileur : **{wall * 1000:.1f} ms** dont "
        f"CPU Python {cpu * 1000:.1f} ms et CPU PostgreSQL (processus serveur) {pg * 1000:.1f} ms ; "
        f"le reste est de l'attente (disque au COMMIT, ordonnanceur)."
    )
    print(
        f"- Plafond théorique sur {len(os.sched_getaffinity(0))} cœurs, à ce coût CPU : "
        f"≈ {len(os.sched_getaffinity(0)) / (cpu + pg):,.0f} dépôts/s."
    )
    print(
        f"- Service `submit_application` seul : {per_service * 1000:.1f} ms et "
        f"{service_queries:.0f} requêtes SQL ; POST `/deposer/` complet : **{len(queries)}** requêtes.\n"
    )
    print("| Poste (temps cumulé sous cProfile) | ms par dépôt | part |")
    print("|---|---:|---:|")
    for bucket, seconds in times.items():
        print(f"| {bucket} | {seconds / count * 1000:.2f} | {seconds / total:.0%} |")
    print(f"| total sous cProfile | {total / count * 1000:.2f} | 100% |")
    print("\nRequêtes d'un POST `/deposer/`, dans l'ordre :\n")
    for i, query in enumerate(queries, start=1):
        sql = re.sub(r"\s+", " ", query["sql"])
        table = re.search(r'(FROM|INTO|UPDATE) "?(\w+)"?', sql)
        kind = sql.split(" ", 1)[0]
        print(
            f"{i:2d}. {kind} {table.group(2) if table else ''} ({float(query['time']) * 1000:.1f} ms)"
        )
    print("\nFonctions les plus coûteuses (temps propre, sous cProfile) :\n```")
    stats.sort_stats("tottime").print_stats(10)
    print("```")


# --------------------------------------------------------------------------- load generator


@dataclass
class Session:
    """One applicant: their cookies and the drafts they have not submitted yet."""

    email: str
    drafts: list[int]
    cookies: dict[str, str] = field(default_factory=dict)
    next_draft: int = 0
    timings: list[tuple[float, float]] = field(default_factory=list)  # (end, latency), this run

    def absorb(self, response: Any) -> None:
        for raw in response.headers.get_list("set-cookie"):
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if name not in KEPT_COOKIES:
                    continue
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def headers(self, base: str, referer: str) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"Cookie": cookie, "Origin": base, "Referer": base + referer}


@dataclass
class RushResult:
    """One server configuration's run; `window` is the measured part, after the warm-up."""

    server: str
    window: float
    done: list[tuple[float, float, bool]] = field(default_factory=list)  # (end, latency, ok)
    errors: Counter[str] = field(default_factory=Counter)
    successes: int = 0  # warm-up included: each one must have left a Submission row
    exhausted: int = 0
    client_cpu: float = 0.0
    machine_busy: float = 0.0
    stack_cpu: float = 0.0  # the server + its PostgreSQL backends, CPU seconds over the window
    connections: int = 0  # TCP connections the clients opened (1 each if kept alive)
    client_means: list[float] = field(default_factory=list)  # each client's mean latency (s)
    failure: str = ""

    def measured(self, start: float) -> list[tuple[float, float, bool]]:
        """The requests answered within the window: the throughput."""
        return [d for d in self.done if start <= d[0] <= start + self.window]

    def latencies_ms(self, start: float) -> list[float]:
        """The latency of the requests sent within the window (one sent during the warm-up
        waited for the fresh workers' first requests: the warm-up is there to leave it out)."""
        return [
            lat * 1000
            for end, lat, _ in self.done
            if start <= end - lat and end <= start + self.window
        ]


async def _login(client: Any, base: str, session: Session, password: str) -> None:
    page = await client.get("/connexion/", timeout=180.0)
    session.absorb(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or token is None:
        raise RuntimeError(f"page de connexion : HTTP {page.status_code}")
    form = {"username": session.email, "password": password, "next": ""}
    response = await client.post(
        "/connexion/",
        data={**form, "csrfmiddlewaretoken": token.group(1)},
        headers=session.headers(base, "/connexion/"),
        timeout=180.0,
    )
    session.absorb(response)
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"connexion de {session.email} refusée : HTTP {response.status_code}")


async def login_all(base: str, sessions: list[Session], password: str, at_once: int) -> float:
    """Log everyone in through the form; each login is a PBKDF2 hash, so a few at a time."""
    import httpx

    gate = asyncio.Semaphore(at_once)
    started = time.perf_counter()

    async def one(session: Session) -> None:
        async with gate, httpx.AsyncClient(base_url=base) as client:
            await _login(client, base, session, password)

    await asyncio.gather(*(one(s) for s in sessions))
    return time.perf_counter() - started


async def _submit_loop(
    client: rawhttp.Connection, base: str, session: Session, stop_at: float, result: RushResult
) -> None:
    while time.perf_counter() < stop_at:
        if session.next_draft >= len(session.drafts):
            result.exhausted += 1
            return
        pk = session.drafts[session.next_draft]
        session.next_draft += 1
        started = time.perf_counter()
        try:
            response = await client.post(
                f"/candidatures/{pk}/deposer/",
                # The recap's sworn statement is a field of the submission's POST.
                {"csrfmiddlewaretoken": session.cookies["csrftoken"], "sworn": "on"},
                session.headers(base, f"/candidatures/{pk}/recapitulatif/"),
            )
        except Exception as exc:  # every failure counts, by type
            result.done.append((time.perf_counter(), time.perf_counter() - started, False))
            result.errors[type(exc).__name__] += 1
            continue
        ended = time.perf_counter()
        session.absorb(response)
        location = response.headers.get("location", "")
        ok = response.status_code == 302 and location.startswith(f"/candidatures/{pk}/recu/")
        result.done.append((ended, ended - started, ok))
        session.timings.append((ended, ended - started))
        if ok:
            result.successes += 1
        elif response.status_code == 302:
            result.errors[f"302 vers {re.sub(r'/[0-9]+/', '/<pk>/', location)}"] += 1
        else:
            result.errors[f"HTTP {response.status_code}"] += 1


def _cpu_ticks() -> tuple[int, int]:
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


async def rush(
    base: str,
    sessions: list[Session],
    server: str,
    timing: tuple[float, float],
    stack_cpu: Callable[[], float],
) -> tuple[RushResult, float]:
    """Every client submits its next draft as soon as the previous answer came back."""
    warmup, seconds = timing
    result = RushResult(server=server, window=seconds)
    host, port = base.removeprefix("http://").split(":")
    for session in sessions:
        session.timings.clear()
    clients = [rawhttp.Connection(host, int(port)) for _ in sessions]
    samples: list[float] = []

    async def sample_stack() -> None:
        for delay in (warmup, seconds):
            await asyncio.sleep(delay)
            samples.append(stack_cpu())

    # The generator must not pause: a full collection of its growing lists of timings stalled
    # every client at once (seen as latency spikes every few seconds). A minute of requests
    # fits in memory without collecting.
    gc.collect()
    gc.disable()
    try:
        busy0, total0 = _cpu_ticks()
        cpu0, started = time.process_time(), time.perf_counter()
        stop_at = started + warmup + seconds
        await asyncio.gather(
            sample_stack(),
            *(
                _submit_loop(c, base, s, stop_at, result)
                for c, s in zip(clients, sessions, strict=True)
            ),
        )
        elapsed = time.perf_counter() - started
        result.client_cpu = (time.process_time() - cpu0) / elapsed
        busy1, total1 = _cpu_ticks()
        result.machine_busy = (busy1 - busy0) / max(total1 - total0, 1)
        result.stack_cpu = samples[1] - samples[0]
        result.connections = sum(c.opened for c in clients)
        # A server that pins connections to workers shows here: groups of clients, each slower.
        measured_from = started + warmup
        result.client_means = [
            statistics.mean(lat for end, lat in s.timings if end - lat >= measured_from)
            for s in sessions
            if any(end - lat >= measured_from for end, lat in s.timings)
        ]
        if os.environ.get("POLLEN_BENCH_TIMELINE"):
            Path(os.environ["POLLEN_BENCH_TIMELINE"]).write_text(
                json.dumps([(end - started, lat, ok) for end, lat, ok in result.done])
            )
    finally:
        gc.enable()
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
    return result, started + warmup


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(ppid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == ppid:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def stack_cpu_probe(master: int, db_name: str) -> Callable[[], float]:
    """CPU seconds used so far by the server (master and workers) and the database's backends."""
    import psycopg

    def probe() -> float:
        with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (db_name,)
            ).fetchall()
        pids = [master, *_children(master), *(int(r[0]) for r in rows)]
        return sum(_cpu_seconds(pid) for pid in pids)

    return probe


# --------------------------------------------------------------------------- orchestration


def _run(
    cmd: list[str], env: dict[str, str], timeout: float, what: str, check: bool = True
) -> subprocess.CompletedProcess[str]:
    started = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    log(f"{what} : {time.perf_counter() - started:.1f} s (code {done.returncode})")
    if check and done.returncode != 0:
        raise RuntimeError(f"{what} a échoué :\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done


def _free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return int(probe.getsockname()[1])


def _admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_ADMIN_URL}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def _db_counts(db_url: str) -> dict[str, int]:
    import psycopg

    queries = {
        "submissions": "SELECT count(*) FROM applications_submission",
        "distinct": "SELECT count(DISTINCT application_id) FROM applications_submission",
        "events": "SELECT count(*) FROM audit_auditevent WHERE action = 'application.submitted'",
    }
    with psycopg.connect(db_url) as conn:
        return {k: int(conn.execute(sql).fetchone()[0]) for k, sql in queries.items()}  # type: ignore[index]


@dataclass(frozen=True)
class Server:
    workers: int
    threads: int
    kind: str = "gunicorn"
    # A git commit to serve instead of this checkout (A/B runs of two versions of the code).
    ref: str = ""

    @property
    def worker_class(self) -> str:
        return "gthread" if self.threads > 1 else "sync"

    def command(self, port: int) -> list[str]:
        if self.kind == "granian":
            return [
                *("granian", "--interface", "wsgi", "config.wsgi:application"),
                *("--host", "127.0.0.1", "--port", str(port), "--workers", str(self.workers)),
                *("--blocking-threads", str(self.threads), "--log-level", "warning"),
                "--no-access-log",
            ]
        return [
            *("gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"),
            *("--workers", str(self.workers), "--threads", str(self.threads)),
            *("--worker-class", self.worker_class, "--timeout", "60"),
            *("--error-logfile", "-", "--log-level", "warning"),
        ]


def _start(
    server: Server, env: dict[str, str], port: int, logfile: Path, trees: dict[str, Path]
) -> subprocess.Popen[bytes]:
    with logfile.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", *server.command(port)],
            cwd=trees.get(server.ref, ROOT),
            # an older commit may need packages this checkout has dropped (--ref-path)
            env={**env, "PYTHONPATH": REF_PATH} if server.ref and REF_PATH else env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _wait_ready(proc: subprocess.Popen[bytes], base: str, logfile: Path) -> None:
    import httpx

    deadline = time.perf_counter() + READY_TIMEOUT_S
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            tail = logfile.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"le serveur s'est arrêté :\n{tail}")
        try:
            if httpx.get(base + "/connexion/", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"le serveur ne répond pas après {READY_TIMEOUT_S:.0f} s")


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _drain_mail(db_url: str, mailer: subprocess.Popen[bytes], limit_s: float = 600.0) -> str:
    """Wait for the mail worker to send every queued receipt; say how long it took after the rush."""
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(db_url, autocommit=True) as conn:
        # The worker's claim (ready rows in priority order) uses its partial index only once the
        # planner knows the queue is long: these machines run PostgreSQL without autovacuum, and
        # on statistics from the empty table each claim sorted the whole queue (50 ms, 20 mails/s
        # instead of ~90). Production keeps autovacuum on (docs/deployment.md).
        conn.execute("ANALYZE django_tasks_database_dbtaskresult")
        sql = "SELECT count(*) FILTER (WHERE sent_at IS NULL), count(*) FROM mailing_outgoingmail"
        backlog, total = conn.execute(sql).fetchone()  # type: ignore[misc]
        at_end = backlog
        while backlog and mailer.poll() is None and time.perf_counter() - started < limit_s:
            time.sleep(0.5)
            backlog, total = conn.execute(sql).fetchone()  # type: ignore[misc]
    waited = time.perf_counter() - started
    _stop(mailer)
    return (
        f"{total - backlog:,} envoyé(s) sur {total:,} ; {at_end:,} en file à la fin du rush, "
        f"file vide {waited:.0f} s plus tard"
        if not backlog
        else f"**{backlog:,} encore en file** sur {total:,} après {waited:.0f} s d'attente"
    )


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass(frozen=True)
class Figures:
    rate: float
    p50: float
    p99: float
    worst: float
    errors: int
    cpu_ms: float  # server CPU (WSGI server + PostgreSQL backends) per successful submission
    client_spread: tuple[float, float] = (0.0, 0.0)  # fastest and slowest client's mean, ms
    exhausted: int = 0  # clients that ran out of drafts: fewer clients at the end, no valid figure

    @property
    def met(self) -> bool:
        return (
            self.rate >= TARGET_RATE
            and self.p99 < TARGET_P99_MS
            and self.errors == 0
            and not self.exhausted
        )

    @property
    def ceiling(self) -> float:
        """Submissions per second if every core of this machine served only this stack."""
        return len(os.sched_getaffinity(0)) / (self.cpu_ms / 1000) if self.cpu_ms else 0.0


def figures_of(result: RushResult, start: float) -> Figures:
    window = result.measured(start)
    latencies = result.latencies_ms(start)
    ok = sum(ok for _, _, ok in window)
    p50, p99 = _pct(latencies, 50), _pct(latencies, 99)
    cpu_ms = result.stack_cpu / ok * 1000 if ok else 0.0
    errors = sum(result.errors.values())
    means = [m * 1000 for m in result.client_means] or [0.0]
    return Figures(
        ok / result.window,
        p50,
        p99,
        max(latencies, default=0.0),
        errors,
        cpu_ms,
        (min(means), max(means)),
        result.exhausted,
    )


def _yes(good: bool) -> str:
    return "oui" if good else "**NON**"


def report(
    args: argparse.Namespace,
    runs: list[tuple[RushResult, Figures]],
    counts: dict[str, int],
    verify: str,
    notes: dict[str, str],
) -> bool:
    print(
        f"{args.clients} clients simultanés, sans temps de réflexion (boucle fermée) ; "
        f"{args.warmup:.0f} s de mise en route non mesurées puis {args.seconds:.0f} s mesurées "
        "par configuration.\n"
    )
    print(
        "| Serveur (`config.wsgi:application`) | Dépôts/s | p50 | p99 | max | "
        "Latence moyenne par client (min – max) | Erreurs | CPU serveur par dépôt (serveur WSGI + PostgreSQL) | Plafond, machine dédiée | "
        "Part de la machine obtenue par le serveur | CPU générateur | Cibles |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|:---:|")
    cores = len(os.sched_getaffinity(0))
    for result, fig in runs:
        if result.failure:
            print(f"| `{result.server}` | échec : {result.failure} | | | | | | | | | | **NON** |")
            continue
        detail = ", ".join(f"{k} × {v}" for k, v in result.errors.most_common()) or "0"
        print(
            f"| `{result.server}` | {fig.rate:,.1f} | {fig.p50:,.0f} ms | {fig.p99:,.0f} ms | "
            f"{fig.worst:,.0f} ms | {fig.client_spread[0]:,.0f} – {fig.client_spread[1]:,.0f} ms | "
            f"{detail} | {fig.cpu_ms:,.1f} ms | ≈ {fig.ceiling:,.0f}/s | "
            f"{fig.cpu_ms * fig.rate / 1000 / cores:.0%} (machine occupée à {result.machine_busy:.0%}) | "
            f"{result.client_cpu:.0%} d'un cœur | {_yes(fig.met)} |"
        )
    ran = [(r, f) for r, f in runs if not r.failure]
    successes = sum(r.successes for r, _ in runs)
    lost = successes - counts["submissions"]
    verified = verify.endswith(" 0 écart(s).")
    print("\n| Mesure | Valeur | Cible | Atteinte |")
    print("|---|---:|---:|:---:|")
    if ran:
        # The best: all targets, else the throughput target with the lowest p99, else the fastest.
        top, fig = max(
            ran,
            key=lambda rf: (rf[1].met, rf[1].rate >= TARGET_RATE, -rf[1].p99, rf[1].rate),
        )
        gunicorn = re.search(r"--workers (\d+) --threads (\d+) --worker-class (\w+)", top.server)
        granian = re.search(r"--workers (\d+) --blocking-threads (\d+)", top.server)
        name = (
            "gunicorn, {} workers × {} threads ({})".format(*gunicorn.groups())
            if gunicorn
            else "granian, {} workers × {} thread(s) bloquant(s)".format(*granian.groups())
            if granian
            else top.server
        )
        print(f"| Meilleure configuration | {name} | | |")
        rate_ok, p99_ok = fig.rate >= TARGET_RATE, fig.p99 < TARGET_P99_MS
        print(f"| Débit | {fig.rate:,.1f} dépôts/s | ≥ {TARGET_RATE:.0f}/s | {_yes(rate_ok)} |")
        print(
            f"| Latence p50 / p99 | {fig.p50:,.0f} ms / {fig.p99:,.0f} ms | p99 < "
            f"{TARGET_P99_MS:.0f} ms | {_yes(p99_ok)} |"
        )
    failures = [r for r, _ in runs if r.failure]
    if failures:
        print(f"| Configurations en échec | {len(failures)} | 0 | **NON** |")
    errors = sum(fig.errors for _, fig in runs)
    print(f"| Erreurs (4xx, 5xx, refus, exceptions) | {errors} | 0 | {_yes(errors == 0)} |")
    print(
        f"| Lignes Submission / réponses réussies | {counts['submissions']:,} / {successes:,} "
        f"({counts['distinct']:,} candidatures distinctes, {counts['events']:,} événements d'audit) "
        f"| 0 perdue | {_yes(lost == 0)} ({lost} perdue(s)) |"
    )
    print(f"| `manage.py verify_receipts` | {verify} | 0 écart | {_yes(verified)} |")
    for name, value in notes.items():
        print(f"| {name} | {value} | | |")
    exhausted = sum(r.exhausted for r, _ in runs)
    if exhausted:
        print(
            f"\nAttention : {exhausted} client(s) ont manqué de brouillons avant la fin ; "
            "moins de clients ont tourné à la fin : ces mesures ne comptent pas "
            "(augmentez --drafts-per-client)."
        )
    met = any(fig.met for _, fig in runs) and lost == 0 and verified
    print(
        f"\nToutes les cibles atteintes : {'oui' if met else 'NON'}. En boucle fermée, la latence "
        f"moyenne vaut clients / débit (loi de Little) : avec {args.clients} clients, une moyenne "
        f"sous {TARGET_P99_MS:.0f} ms exige déjà plus de {args.clients / TARGET_P99_MS * 1000:.0f} "
        "dépôts/s, et un p99 sous ce seuil nettement plus. Un écart entre la moyenne du client le "
        "plus rapide et celle du plus lent dit que le serveur sert ses connexions inégalement "
        "(granian attache chaque connexion au worker qui l'a acceptée)."
    )
    return met


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _parse_servers(text: str) -> list[Server]:
    servers = []
    for item in text.split(","):
        spec, _, ref = item.strip().partition("@")
        kind, _, size = spec.rpartition(":")
        workers, _, threads = size.partition("x")
        servers.append(Server(int(workers), int(threads or 1), kind or "gunicorn", ref))
    return servers


def _worktrees(servers: list[Server], tmp: Path) -> dict[str, Path]:
    """A detached checkout of each commit named after `@`, served with this checkout's Python.

    The database is migrated by this checkout: the commits compared must share its schema.
    """
    trees = {}
    for ref in sorted({s.ref for s in servers if s.ref}):
        tree = tmp / f"tree-{len(trees)}"
        _run(["git", "worktree", "add", "--detach", "-q", str(tree), ref], os.environ, 120, ref)
        trees[ref] = tree
    return trees


def _remove_worktrees(trees: dict[str, Path]) -> None:
    for tree in trees.values():
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="mesure par configuration (60 s)"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="mise en route non mesurée (3 s)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--servers",
        default="3x1,granian:2x4",
        help="configurations [granian:]WORKERSxTHREADS[@COMMIT] séparées par des virgules "
        "(défaut 3x1,granian:2x4 : gunicorn, puis granian à 2 workers de 4 threads) ; "
        "@COMMIT sert ce commit au lieu de ce dépôt, pour comparer deux versions A/B "
        "(ex. 3x1@HEAD~1,3x1,3x1@HEAD~1,3x1)",
    )
    parser.add_argument(
        "--drafts-per-client",
        type=int,
        default=0,
        help=f"défaut : de quoi tenir {DRAFTS_FOR_RATE} dépôts/s sur toute la durée",
    )
    parser.add_argument(
        "--mail",
        choices=("during", "after"),
        default="after",
        help="le worker d'envoi des courriels démarre après les rushs (défaut) ou tourne "
        "pendant (priorité idle)",
    )
    parser.add_argument(
        "--ref-path",
        default="",
        help="chemin d'import ajouté pour les serveurs d'un @COMMIT : les paquets dont ce commit "
        "a besoin et que ce dépôt n'installe plus (ex. pour 550f59f : uv pip install --target "
        "DIR ortools==9.15.6755 pandas==3.1.1 protobuf==6.33.6 absl-py immutabledict)",
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db-name", default="pollen_bench")
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="profil d'un dépôt après le rush (auto : si une cible est manquée)",
    )
    parser.add_argument("--internal-setup", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--internal-profile", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    servers = _parse_servers(args.servers)
    global REF_PATH
    REF_PATH = args.ref_path
    total_s = len(servers) * (args.seconds + args.warmup + 2)
    per_client = args.drafts_per_client or math.ceil(total_s * DRAFTS_FOR_RATE / args.clients)
    if args.internal_setup:
        internal_setup(args.internal_setup, args.clients, per_client, reserve=PROFILE_DRAFTS)
        return 0
    if args.internal_profile:
        internal_profile(args.internal_profile, count=30)
        return 0
    signal.signal(signal.SIGTERM, _interrupt)  # run_all's time limit: still clean up
    return orchestrate(args, servers, per_client)


def orchestrate(args: argparse.Namespace, servers: list[Server], per_client: int) -> int:
    import psycopg

    load_before = os.getloadavg()
    print(
        "# Banc d'essai : rush de la date limite (serveur WSGI + PostgreSQL, appel fablabs-2013)\n"
    )
    print(
        f"Machine : {len(os.sched_getaffinity(0))} cœurs (nproc), charge moyenne "
        f"{load_before[0]:.2f} / {load_before[1]:.2f} / {load_before[2]:.2f} (1 / 5 / 15 min) "
        "au départ.\n"
    )
    tmp = Path(tempfile.mkdtemp(prefix="pollen-rush-"))
    db_url = f"{PG_ADMIN_URL}/{args.db_name}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": db_url,
        "POLLEN_DEBUG": "0",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "POLLEN_CLOCK_START": CLOCK_START,
        # One clock for every process (setup, servers, mail worker): mails queued by a server
        # started later are due at once for the mail worker, not after its own clock catches up.
        "POLLEN_CLOCK_STARTED_AT": dt.datetime.now(dt.UTC).isoformat(),
        "POLLEN_VAR_DIR": str(tmp / "var"),
        "POLLEN_MEDIA_ROOT": str(tmp / "documents"),
        "POLLEN_STATIC_ROOT": str(tmp / "static"),
        "PYTHONUNBUFFERED": "1",
        # Receipt mails are queued with each submission, their tasks in the database, and sent
        # by the task worker below, printed (production would use SMTP); plain HTTP, so no
        # HTTPS redirect.
        "POLLEN_TASKS": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "POLLEN_SSL_REDIRECT": "0",
    }
    port = _free_port(args.port)
    base = f"http://127.0.0.1:{port}"
    logfile = tmp / "server.log"
    proc: subprocess.Popen[bytes] | None = None
    mailer: subprocess.Popen[bytes] | None = None
    created_db = False
    notes: dict[str, str] = {}
    trees: dict[str, Path] = {}
    try:
        trees = _worktrees(servers, tmp)
        _admin_sql(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
        _admin_sql(f'CREATE DATABASE "{args.db_name}"')
        created_db = True
        manage = [sys.executable, "manage.py"]
        setup: list[str] = []
        state_path = tmp / "state.json"
        for what, cmd in (
            ("migrate", [*manage, "migrate", "--noinput", "-v", "0"]),
            ("load_call", [*manage, "load_call", "calls/fablabs-2013.toml"]),
            (
                f"{args.clients * per_client + PROFILE_DRAFTS:,} brouillons complets",
                [
                    sys.executable,
                    __file__,
                    "--internal-setup",
                    str(state_path),
                    "--clients",
                    str(args.clients),
                    "--drafts-per-client",
                    str(per_client),
                ],
            ),
        ):
            started = time.perf_counter()
            _run(cmd, env, 900, what)
            setup.append(f"{what} {time.perf_counter() - started:.0f} s")
        # The drafts were just bulk-written: vacuum and checkpoint now, or the checkpointer and
        # autovacuum would pay that debt during the rush (seen as multi-second stalls).
        started = time.perf_counter()
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")
            conn.execute("CHECKPOINT")
        setup.append(f"VACUUM ANALYZE + CHECKPOINT {time.perf_counter() - started:.0f} s")
        notes["Préparation"] = ", ".join(setup)
        state = json.loads(state_path.read_text(encoding="utf-8"))
        sessions = [Session(u["email"], list(u["drafts"])) for u in state["users"]]
        runs: list[tuple[RushResult, Figures]] = []

        # The stack is the web server, PostgreSQL and the load generator: by default the
        # mail worker starts once the rushes are over and the report says how long it took to
        # send every receipt. --mail during runs it throughout at idle priority, as a small
        # deployment would beside the web server; on 2 cores it still costs the rush about a
        # quarter of its throughput (each mail is ~1.4 ms of CPU in Python's email package).
        def start_mailer() -> subprocess.Popen[bytes]:
            with (tmp / "mail.log").open("ab") as mail_log:
                return subprocess.Popen(
                    [*IDLE_PRIORITY, *manage, "db_worker", "--interval", "1", "--no-reload"],
                    cwd=ROOT,
                    env=env,
                    stdout=mail_log,
                    stderr=subprocess.STDOUT,
                )

        if args.mail == "during":
            mailer = start_mailer()
        for server in servers:
            label = " ".join(server.command(port)) + (f" @{server.ref}" if server.ref else "")
            try:
                proc = _start(server, env, port, logfile, trees)
                _wait_ready(proc, base, logfile)
                if not any(not r.failure for r, _ in runs):
                    at_once = server.workers * server.threads
                    seconds = asyncio.run(login_all(base, sessions, state["password"], at_once))
                    notes[f"Connexion des {args.clients} clients (formulaire, PBKDF2)"] = (
                        f"{seconds:.0f} s"
                    )
                log(f"rush : {label}")
                probe = stack_cpu_probe(proc.pid, args.db_name)
                timing = (args.warmup, args.seconds)
                result, start = asyncio.run(rush(base, sessions, label, timing, probe))
                runs.append((result, figures_of(result, start)))
                log(f"{runs[-1][1]} connexions ouvertes : {result.connections}")
            except Exception as exc:  # this configuration failed; try the next ones
                log(f"{label} : {type(exc).__name__} {exc}")
                failed = RushResult(
                    server=label, window=0.0, failure=f"{type(exc).__name__} {exc}".splitlines()[0]
                )
                runs.append((failed, Figures(0.0, 0.0, 0.0, 0.0, 0, 0.0)))
            finally:
                _stop(proc)
        load_after = os.getloadavg()
        when = "pendant les rushs" if args.mail == "during" else "lancé après les rushs"
        mail_label = (
            f"Courriels d'accusé de réception (`{' '.join(IDLE_PRIORITY)} … db_worker`, {when})"
        )
        mailer = mailer or start_mailer()
        notes[mail_label] = _drain_mail(db_url, mailer)
        counts = _db_counts(db_url)
        verify = _run([*manage, "verify_receipts"], env, 900, "verify_receipts", check=False)
        verify_line = (verify.stdout.strip().splitlines() or ["(aucune sortie)"])[-1]
        notes["Charge moyenne avant → après (1 / 5 min)"] = (
            f"{load_before[0]:.2f} / {load_before[1]:.2f} → {load_after[0]:.2f} / {load_after[1]:.2f}"
        )
        problems = [
            ln for ln in logfile.read_text(errors="replace").splitlines() if LOG_PROBLEM.search(ln)
        ]
        notes["Journal des serveurs"] = (
            f"{len(problems)} ligne(s) d'erreur : `{problems[0][:120]}`"
            if problems
            else "aucune erreur"
        )
        met = report(args, runs, counts, verify_line, notes)
        if args.profile == "always" or (args.profile == "auto" and not met):
            profile = _run(
                [sys.executable, __file__, "--internal-profile", str(state_path)],
                env,
                300,
                "profil",
            )
            print(profile.stdout)
        lost = sum(r.successes for r, _ in runs) - counts["submissions"]
        return 0 if lost == 0 and verify.returncode == 0 else 1
    except KeyboardInterrupt:
        log("interrompu : nettoyage")
        return 130
    finally:
        _stop(proc)
        _stop(mailer)
        _remove_worktrees(trees)
        if created_db:
            try:
                _admin_sql(f'DROP DATABASE IF EXISTS "{args.db_name}" WITH (FORCE)')
            except Exception as exc:  # report it, keep cleaning
                log(f"suppression de la base {args.db_name} impossible : {exc}")
        shutil.rmtree(tmp, ignore_errors=True)
        log("nettoyé : serveurs arrêtés, base supprimée, fichiers temporaires effacés")


if __name__ == "__main__":
    sys.exit(main())
