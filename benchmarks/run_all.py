"""Run every benchmarks/bench_*.py in name order, each as its own process with a time limit."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
DEFAULT_TIMEOUT_S = float(os.environ.get("BENCH_TIMEOUT", "900"))
GRACE_S = 45.0  # after SIGTERM, time for a benchmark to stop its servers and drop its database


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the benchmark's whole process group (its servers too), then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, GRACE_S), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_one(python: str, script: Path, timeout: float) -> tuple[str, float, str]:
    print(f"\n\n## {script.name}\n", flush=True)
    started = time.perf_counter()
    # Its own session, so a time-out can stop everything it started (gunicorn, manage.py...).
    proc = subprocess.Popen([python, str(script)], cwd=ROOT, start_new_session=True)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop_group(proc)
        return "délai dépassé", time.perf_counter() - started, f"arrêté après {timeout:.0f} s"
    except KeyboardInterrupt:
        _stop_group(proc)
        raise
    elapsed = time.perf_counter() - started
    return ("ok" if code == 0 else "échec"), elapsed, f"code de sortie {code}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "names", nargs="*", help="only the benchmarks whose file name contains one of these"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help="seconds per benchmark (BENCH_TIMEOUT)",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks found and exit")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if any(n in s.name for n in args.names)]
    if args.list:
        print("\n".join(s.name for s in scripts))
        return 0
    if not scripts:
        print("Aucun banc d'essai trouvé (benchmarks/bench_*.py).")
        return 1
    # The interpreter make runs us with is the venv's one; its path must stay unresolved.
    python = os.environ.get("BENCH_PYTHON") or sys.executable
    load1, load5, load15 = os.getloadavg()
    print(f"# Bancs d'essai Pollen : {len(scripts)} script(s), {args.timeout:.0f} s maximum chacun")
    print(
        f"\nMachine : {len(os.sched_getaffinity(0))} cœurs, charge {load1:.2f} / {load5:.2f} / {load15:.2f}."
    )
    print(f"Python : {python}", flush=True)
    rows = [(script.name, *run_one(python, script, args.timeout)) for script in scripts]
    print("\n\n## Récapitulatif\n")
    print("| Banc | Résultat | Durée | Détail |")
    print("|---|---|---:|---|")
    for name, status, elapsed, detail in rows:
        print(f"| {name} | {status} | {elapsed:.0f} s | {detail} |")
    return 0 if all(status == "ok" for _, status, _, _ in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
