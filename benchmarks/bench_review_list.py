"""Benchmark of the instructor's list (10,000 applications) and its CSV export (100,000), SQLite.

Runs Django in process on a throw-away SQLite file (DATABASE_URL points to a temporary
directory, migrated from scratch), with rows bulk-created: the real territory's régions and
départements and 2,000 communes when ../shared/data is there, organisations, experts,
assignments and score summaries. Pages are fetched with Django's test Client as an instructor;
each export is consumed in a child process so that its peak memory (VmHWM) is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIST_SIZE, EXPORT_SIZE = 10_000, 100_000
TARGET_P50_MS, TARGET_EXPORT_S, TARGET_EXPORT_MB = 100.0, 5.0, 200.0
SLUG = "fablabs-2013"
RULES = ("subsidy_max", "subsidy_share", "documents_complete", "siret_valid", "deadline")
STATUSES = ("submitted", "submitted", "complete", "complete", "corrections", "draft")
WORDS = ("atelier", "fablab", "laser", "quartier", "rural", "école", "textile", "bois", "robot")


def configure(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["POLLEN_VAR_DIR"] = str(workdir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["POLLEN_DEBUG"] = "0"  # no query log, production templates
    os.environ.setdefault("SECRET_KEY", "bench-review-list-not-secret")
    os.environ["POLLEN_SSL_REDIRECT"] = "0"  # the test Client speaks plain HTTP
    import django

    django.setup()


def _territory() -> list[str]:
    """Régions, départements and 2,000 communes (real ones when the data is at hand)."""
    from pollen.territory import sources
    from pollen.territory.models import Commune, Departement, Region

    try:
        base = sources.DECOUPAGE
        regions = sources.read_json(sources.data_path(f"{base}/regions.json"))
        departements = sources.read_json(sources.data_path(f"{base}/departements.json"))
        rows = [
            r
            for r in sources.iter_commune_rows(sources.data_path(sources.COMMUNES_CSV))
            if r.kind == "commune-actuelle" and r.departement
        ]
    except OSError:
        regions = [{"code": f"{i}", "nom": f"Région {i}"} for i in range(11, 95, 7)]
        departements = [{"code": f"{d:02d}", "nom": f"D{d}", "region": regions[d % 12]["code"]}
                        for d in range(1, 96)]  # fmt: skip
        rows = []
    Region.objects.bulk_create([Region(code=r["code"], name=r["nom"]) for r in regions])
    Departement.objects.bulk_create(
        [Departement(code=d["code"], name=d["nom"], region_id=d["region"]) for d in departements]
    )
    picked = random.Random(1).sample(rows, min(2000, len(rows)))
    Commune.objects.bulk_create(
        Commune(code=r.code, name=r.name, search_name=r.name.lower(), departement_id=r.departement,
                region_id=r.region, population=r.population)
        for r in picked
    )  # fmt: skip
    return [r.code for r in picked]


def _people(codes: list[str]) -> tuple[Any, Any, list[Any], list[Any]]:
    from django.utils import timezone

    from pollen.accounts.models import LegalForm, Organisation, Role, User
    from pollen.expertise.models import ExpertProfile

    instructor = User.objects.create_user("instructrice@banc.example", "x", role=Role.INSTRUCTOR)
    author = User.objects.create_user("porteur@banc.example", "x", role=Role.APPLICANT)
    organisations = Organisation.objects.bulk_create(
        Organisation(legal_name=f"Fablab {WORDS[i % len(WORDS)]} n°{i}", siret="73282932000074",
                     legal_form=LegalForm.ASSOCIATION, commune_id=codes[i % len(codes)] if codes else None)
        for i in range(2000)
    )  # fmt: skip
    users = User.objects.bulk_create(
        User(email=f"expert{i:02d}@banc.example", full_name=f"Expert {i:02d}", role=Role.EXPERT)
        for i in range(50)
    )
    experts = ExpertProfile.objects.bulk_create(
        ExpertProfile(user=u, tags=["machines"], max_load=10_000, updated_at=timezone.now())
        for u in users
    )
    return instructor, author, organisations, experts


def add_applications(
    call: Any, author: Any, organisations: list[Any], start: int, count: int
) -> list[int]:
    """Bulk rows in batches (memory stays bounded), with varied statuses, verdicts and amounts."""
    from django.utils import timezone

    from pollen.applications.models import Application

    rng, now, ids = random.Random(start), timezone.now(), []
    for offset in range(start, start + count, 5000):
        batch = []
        for i in range(offset, min(start + count, offset + 5000)):
            failed = rng.sample(RULES, rng.choice((0, 0, 0, 1, 2)))
            batch.append(Application(
                call=call, organisation=organisations[i % len(organisations)], created_by=author,
                title=f"{rng.choice(WORDS).capitalize()} partagé n°{i} ({rng.choice(WORDS)})",
                kind=rng.choice(("creation", "improvement")), status=rng.choice(STATUSES),
                eligible=not failed, failed_rules=failed, requested_amount=Decimal(rng.randint(50, 200) * 1000),
                total_expenses=Decimal(rng.randint(100, 400) * 1000), created_at=now, updated_at=now,
            ))  # fmt: skip
        ids += [a.pk for a in Application.objects.bulk_create(batch)]
    return ids


def add_reviews(call: Any, instructor: Any, experts: list[Any], ids: list[int]) -> None:
    """Two experts on a third of the applications, a score summary on a fifth."""
    from django.utils import timezone

    from pollen.expertise.models import Assignment, ScoreSummary

    rng, now = random.Random(3), timezone.now()
    assigned = [
        Assignment(application_id=pk, expert=e, assigned_at=now, assigned_by=instructor)
        for pk in ids[::3]
        for e in rng.sample(experts, 2)
    ]
    Assignment.objects.bulk_create(assigned, batch_size=5000)
    summaries = []
    for rank, pk in enumerate(ids[::5], start=1):
        score = Decimal(rng.randint(50, 480)) / 100
        summaries.append(ScoreSummary(application_id=pk, call=call, review_count=2, mean=score,
                                      normalised=score, spread=Decimal("0.5"), rank=rank, computed_at=now))  # fmt: skip
    ScoreSummary.objects.bulk_create(summaries, batch_size=5000)


def build(size: int) -> tuple[Any, Any, list[Any], list[Any]]:
    from django.core.management import call_command
    from django.db import transaction

    from pollen.calls.services import load_call

    call_command("migrate", verbosity=0)
    with transaction.atomic():
        codes = _territory()
        text = (ROOT / "calls" / f"{SLUG}.toml").read_text(encoding="utf-8")
        call = load_call(text=text, source_path=f"calls/{SLUG}.toml").call
        instructor, author, organisations, experts = _people(codes)
        add_reviews(
            call, instructor, experts, add_applications(call, author, organisations, 0, size)
        )
    return call, instructor, organisations, experts


def queries(experts: list[Any], codes: list[tuple[str, str]]) -> list[dict[str, str]]:
    """About 30 filtered pages, as an instructor would browse them."""
    region, departement = codes[0] if codes else ("", "")
    combos = [
        {}, {"status": "submitted"}, {"status": "complete", "sort": "title"}, {"eligible": "no"},
        {"failed_rule": "deadline"}, {"q": "laser"}, {"q": "fablab bois"}, {"region": region},
        {"departement": departement}, {"kind": "creation", "sort": "amount_desc"},
        {"score_min": "3", "sort": "score_desc"}, {"score_min": "2", "score_max": "4"},
        {"expert": str(experts[0].pk)}, {"status": "complete", "expert": str(experts[1].pk)},
        {"per_page": "100"}, {"per_page": "100", "page": "40"}, {"page": "250"},
        {"q": "atelier", "status": "submitted", "per_page": "50"}, {"sort": "organisation"},
        {"eligible": "yes", "region": region, "sort": "score_desc"},
    ]  # fmt: skip
    return (combos + combos)[:30]


def measure_list(instructor: Any, experts: list[Any]) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pollen.territory.models import Departement

    dep = Departement.objects.order_by("code").first()
    codes = [(dep.region_id, dep.code)] if dep else []
    client = Client()
    client.force_login(instructor)
    url = f"/instruction/appels/{SLUG}/"
    for _ in range(3):  # warm-up: templates, call file cache, SQLite page cache
        client.get(url)
    timings, cpu = [], []
    for params in queries(experts, codes):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)  # SQLite runs in this process
        assert response.status_code == 200, (params, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, {"per_page": "100", "status": "complete"})
    return timings, cpu, len(captured.captured_queries)


def peak_rss_kb() -> int:
    """This process's own peak RSS. ru_maxrss would also count the parent's peak: a child
    started with vfork inherits it at exec. VmHWM belongs to the process's own memory map."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
        return int(status.split("VmHWM:")[1].split()[0])
    except (OSError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def internal_export(workdir: Path, kind: str) -> None:
    """Child process: warm up like a running server, then fetch one export and read it to the end."""
    configure(workdir)
    from django.test import Client

    from pollen.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email="instructrice@banc.example"))
    # A served site has imported every URLconf and rendered a page before anyone exports.
    assert client.get(f"/instruction/appels/{SLUG}/").status_code == 200
    if kind == "baseline":
        print(json.dumps({"rss_kb": peak_rss_kb()}))
        return
    started, cpu_started = time.perf_counter(), time.process_time()
    # A job (pollen.jobs): 303 to its page; the immediate backend has already written the file.
    started_job = client.get(f"/instruction/appels/{SLUG}/export.{kind}")
    assert started_job.status_code == 303, started_job.status_code
    job_s = time.perf_counter() - started
    response = client.get(started_job["Location"] + "fichier/")
    size, lines = 0, 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\n") if kind == "csv" else 0
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss_kb = peak_rss_kb()
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "bytes": size, "rows": lines - 1,
                      "rss_kb": rss_kb, "status": response.status_code,
                      "job_seconds": job_s}))  # fmt: skip


def run_export(workdir: Path, kind: str) -> dict[str, Any]:
    from django.db import connections

    # Closing checkpoints SQLite's write-ahead log, as a running site's autocheckpoint would.
    connections.close_all()
    out = subprocess.run(
        [sys.executable, __file__, "--internal-export", kind, str(workdir)],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def _verdict(good: bool) -> str:
    return "atteinte" if good else "NON atteinte"


def _row(label: str, value: str, target: str = "") -> None:
    print(f"| {label} | {value} | {target} |")


def report(timings: list[float], cpu: list[float], n_queries: int,
           exports: dict[str, dict[str, Any]], floor_kb: int, build_s: float) -> None:  # fmt: skip
    p50, p90 = statistics.median(timings), statistics.quantiles(timings, n=10)[-1]
    print("| Mesure | Valeur | Cible |")
    print("|---|---:|---:|")
    _row("Construction des données (migrate + insertions)", f"{build_s:.1f} s")
    _row(f"Liste, {LIST_SIZE:,} candidatures : p50 sur {len(timings)} pages filtrées",
         f"{p50:.1f} ms", f"< {TARGET_P50_MS:.0f} ms ({_verdict(p50 < TARGET_P50_MS)})")  # fmt: skip
    _row("Liste : p90 / max", f"{p90:.1f} ms / {max(timings):.1f} ms")
    _row("Liste : temps CPU par page, p50 / p90 (insensible à la charge)",
         f"{statistics.median(cpu):.1f} ms / {statistics.quantiles(cpu, n=10)[-1]:.1f} ms")  # fmt: skip
    _row("Liste : requêtes SQL par page de 100 lignes", str(n_queries), "constant")
    floor = floor_kb / 1024
    _row("Processus servi après une page de liste (plancher mémoire)", f"{floor:.0f} Mo")
    for name, data in exports.items():
        kind, size = name.split("-")
        label = f"Export {kind.upper()} de {int(size):,} candidatures"
        rows = f"{data['rows']:,} lignes, " if kind == "csv" else ""
        timed = kind == "csv" and int(size) == EXPORT_SIZE
        target = f"< {TARGET_EXPORT_S:.0f} s ({_verdict(data['seconds'] < TARGET_EXPORT_S)})"
        _row(f"{label} : durée", f"{data['seconds']:.2f} s ({rows}{data['bytes'] / 1e6:.1f} Mo)",
             target if timed else "")  # fmt: skip
        _row(f"{label} : temps CPU", f"{data['cpu']:.2f} s")
        mb = data["rss_kb"] / 1024
        target = f"< {TARGET_EXPORT_MB:.0f} Mo ({_verdict(mb < TARGET_EXPORT_MB)})"
        _row(f"{label} : pic mémoire du processus (VmHWM)",
             f"{mb:.0f} Mo ({mb - floor:+.0f} Mo sur le plancher)", target if timed else "")  # fmt: skip
    print("\nLe plancher mémoire est celui de tout processus Pollen qui sert des pages : Django et "
          "les bibliothèques importées par toutes les applications (SciPy, OR-Tools, NumPy, "
          "ReportLab…). L'export y ajoute ce qu'indique la colonne « sur le plancher ».")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--internal-export", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS
    )
    parser.add_argument("--no-xlsx", action="store_true", help="skip the XLSX export measurement")
    args = parser.parse_args()
    if args.internal_export:
        internal_export(Path(args.internal_export[1]), args.internal_export[0])
        return 0
    load1, load5, load15 = os.getloadavg()
    print("# Banc d'essai : liste d'instruction et export CSV (SQLite, Django en processus)\n")
    print(f"Machine : {len(os.sched_getaffinity(0))} cœurs (nproc), charge moyenne {load1:.2f} / "
          f"{load5:.2f} / {load15:.2f} (1 / 5 / 15 min), Python {sys.version.split()[0]}\n")  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix="pollen-bench-review-"))
    try:
        configure(workdir)
        started = time.perf_counter()
        call, instructor, organisations, experts = build(LIST_SIZE)
        build_s = time.perf_counter() - started
        timings, cpu, n_queries = measure_list(instructor, experts)
        exports = {f"csv-{LIST_SIZE}": run_export(workdir, "csv")}
        if not args.no_xlsx:  # XLSX is written cell by cell in Python: measured on the list's size
            exports[f"xlsx-{LIST_SIZE}"] = run_export(workdir, "xlsx")
        author = call.applications.first().created_by
        add_applications(call, author, organisations, LIST_SIZE, EXPORT_SIZE - LIST_SIZE)
        exports[f"csv-{EXPORT_SIZE}"] = run_export(workdir, "csv")
        floor_kb = run_export(workdir, "baseline")["rss_kb"]
        report(timings, cpu, n_queries, exports, floor_kb, build_s)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
