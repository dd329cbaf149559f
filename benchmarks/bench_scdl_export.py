"""Benchmark: SCDL subventions export of 100,000 awards in under 3 s, with flat memory."""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
WORK = Path(tempfile.mkdtemp(prefix="pollen-bench-scdl-"))
os.environ.setdefault("POLLEN_VAR_DIR", str(WORK))
os.environ["DATABASE_URL"] = os.environ.get(
    "POLLEN_BENCH_DATABASE_URL", f"sqlite:///{WORK / 'bench.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from pollen.accounts.models import LegalForm, Organisation, Role, User  # noqa: E402
from pollen.applications.models import Application, Status  # noqa: E402
from pollen.calls.services import load_call  # noqa: E402
from pollen.domain.apply.siret import luhn_ok  # noqa: E402
from pollen.grants.models import Grant, GrantStatus, Payment  # noqa: E402
from pollen.opendata import scdl  # noqa: E402

AWARDS = int(os.environ.get("POLLEN_BENCH_AWARDS", "100000"))
TARGET_SECONDS = 3.0
RUNS = 3
BATCH = 5000
PREFIX_ROWS = 10_000


def fake_siret(rng: random.Random) -> str:
    while True:
        candidate = "9" + "".join(rng.choice("0123456789") for _ in range(13))
        if luhn_ok(candidate):
            return candidate


def populate(n: int) -> None:
    rng = random.Random(2013)
    call_command("migrate", verbosity=0)
    text = (REPO / "calls" / "fablabs-2013.toml").read_text(encoding="utf-8")
    call = load_call(text=text, source_path="calls/fablabs-2013.toml").call
    user = User.objects.create_user("bench@pollen.example", "x", role=Role.MANAGER)
    orgs = Organisation.objects.bulk_create(
        Organisation(
            legal_name=f"Fablab n° {i}", siret=fake_siret(rng), legal_form=LegalForm.ASSOCIATION
        )
        for i in range(1000)
    )
    now = dt.datetime(2013, 10, 15, 12, tzinfo=dt.UTC)
    day = dt.date(2013, 10, 15)
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        apps = Application.objects.bulk_create(
            Application(
                call=call,
                organisation=orgs[(start + i) % len(orgs)],
                created_by=user,
                title=f"Équiper l'atelier, « projet » n° {start + i}",
                status=Status.SELECTED,
                created_at=now,
                updated_at=now,
            )
            for i in range(size)
        )
        grants = Grant.objects.bulk_create(
            Grant(
                application=a,
                call=call,
                programme_id=call.programme_id,
                reference=f"BENCH-D{start + i:07d}",
                status=GrantStatus.SIGNED,
                requested_cents=7_000_000,
                awarded_cents=rng.randrange(5_000_000, 20_000_000),
                committed_cents=5_000_000,
                decided_on=day,
                decided_by=user,
                starts_on=day,
                ends_on=day.replace(year=2015),
                signed_on=day,
                signatory="Bench",
                created_at=now,
            )
            for i, a in enumerate(apps)
        )
        Payment.objects.bulk_create(
            Payment(grant=g, position=p, label="T", trigger=t, share=s, amount_cents=1, due_on=due)
            for g in grants
            for p, t, s, due in (
                (0, "signature", "0.30", day),
                (1, "final_report", "0.70", day.replace(year=2015)),
            )
        )


def timed_export(path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    rows = scdl.write_csv(path)
    return time.perf_counter() - started, rows


def memory_profile() -> tuple[int, int]:
    """Peak Python allocations over the first rows, then over all the rest: flat if alike."""
    tracemalloc.start()
    lines = scdl.csv_chunks()
    for _ in range(PREFIX_ROWS // scdl.CHUNK):
        next(lines)
    _, first_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    for _ in lines:
        pass
    _, rest_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return first_peak, rest_peak


def main() -> None:
    load1, load5, _ = os.getloadavg()
    print("# SCDL subventions export\n")
    print(
        f"machine: {os.cpu_count()} CPU, load {load1:.2f} / {load5:.2f} (1 / 5 min), "
        f"database {connection.vendor}\n"
    )
    started = time.perf_counter()
    populate(AWARDS)
    print(
        f"setup: {AWARDS} signed awards, {2 * AWARDS} tranches in {time.perf_counter() - started:.1f} s\n"
    )
    out = WORK / "subventions.csv"
    runs = [timed_export(out) for _ in range(RUNS)]
    seconds = [s for s, _ in runs]
    rows = runs[0][1]
    first_peak, rest_peak = memory_profile()
    median = statistics.median(seconds)
    print("| figure | value | target |")
    print("|---|---|---|")
    print(f"| rows exported | {rows} | {AWARDS} |")
    print(f"| export time, median of {RUNS} | {median:.2f} s | < {TARGET_SECONDS:.0f} s |")
    print(f"| export time, best | {min(seconds):.2f} s | |")
    print(f"| throughput | {rows / median:,.0f} rows/s | |")
    print(f"| file size | {out.stat().st_size / 1e6:.1f} MB | |")
    print(f"| peak Python memory, first {PREFIX_ROWS:,} rows | {first_peak / 1e6:.1f} MB | |")
    print(f"| peak Python memory, remaining rows | {rest_peak / 1e6:.1f} MB | flat: ≈ first rows |")
    ok = rows == AWARDS and median < TARGET_SECONDS and rest_peak < 2 * first_peak + 1_000_000
    print(f"\nverdict: {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
