"""Benchmark: Pollen's opening hours states against opening_hours.js, value by value, moment by moment."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pollen.domain.territory.opening_hours import (  # noqa: E402
    OpeningHoursError,
    french_public_holidays,
    parse,
)

HERE = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("POLLEN_DATA_DIR", str(ROOT.parent / "shared" / "data")))
EXAMPLES = HERE / "opening_hours_examples.txt"
NODE_SCRIPT = HERE / "opening_hours_states.js"
NODE_MODULES = ROOT / ".venv" / "node" / "node_modules"
PARIS = ZoneInfo("Europe/Paris")
PARIS_COORDS = (48.8566, 2.3522)
YEAR = 2025
# 7 h would only ever hit 24 of the week's 168 hours; one more minute drifts through them all.
STEP = timedelta(hours=7, minutes=1)
TARGET_STATES = 0.999


def spec_values() -> list[str]:
    lines = EXAMPLES.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def data_values() -> dict[str, list[str]]:
    """The opening hours of the shared data's places, by source (read in place, never copied)."""
    sources: dict[str, list[str]] = {}
    hinaura = DATA_DIR / "lieux-mediation-numerique-hinaura-2022" / "source.json"
    if hinaura.exists():
        rows = json.loads(hinaura.read_text(encoding="utf-8"))
        sources["Hinaura 2022"] = [
            r["horaires"] for r in rows if isinstance(r.get("horaires"), str)
        ]
    example = DATA_DIR / "schema-lieux-mediation-numerique" / "exemple-valide.csv"
    if example.exists():
        with example.open(encoding="utf-8", newline="") as handle:
            sources["schéma médiation (exemple)"] = [
                row["horaires"] for row in csv.DictReader(handle) if row.get("horaires")
            ]
    return sources


def moments() -> list[datetime]:
    """Every 7 h 01 over the year, plus 11:00 and 15:00 on each public holiday, as UTC instants."""
    start = datetime(YEAR, 1, 1, tzinfo=PARIS).astimezone(UTC)
    end = datetime(YEAR + 1, 1, 1, tzinfo=PARIS).astimezone(UTC)
    found = [start + k * STEP for k in range(int((end - start) / STEP))]
    for holiday in sorted(french_public_holidays(YEAR)):
        for hour in (11, 15):
            found.append(datetime(holiday.year, holiday.month, holiday.day, hour, tzinfo=PARIS))
    return [moment.astimezone(UTC) for moment in found]


def pollen_states(
    values: Iterable[str], instants: list[datetime], holidays: frozenset[date]
) -> dict[str, str | None]:
    """'o', 'c' or 'u' per moment for each value; None when Pollen calls it invalid."""
    local = [instant.astimezone(PARIS).replace(tzinfo=None) for instant in instants]
    states: dict[str, str | None] = {}
    for value in values:
        try:
            oh = parse(value)
        except OpeningHoursError:
            states[value] = None
            continue
        states[value] = "".join(oh.state_at(moment, holidays)[0] for moment in local)
    return states


def js_states(values: list[str], instants: list[datetime]) -> dict[str, str | None]:
    payload = {
        "values": values,
        "moments": [int(instant.timestamp() * 1000) for instant in instants],
        "lat": PARIS_COORDS[0],
        "lon": PARIS_COORDS[1],
    }
    env = {"TZ": "Europe/Paris", "PATH": os.environ.get("PATH", ""), "NODE_PATH": ""}
    env["POLLEN_NODE_MODULES"] = str(NODE_MODULES)
    done = subprocess.run(
        ["node", str(NODE_SCRIPT)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    results = json.loads(done.stdout)["results"]
    return {v: (r["states"] if r["ok"] else None) for v, r in zip(values, results, strict=True)}


def compare(
    values: list[str], ours: dict[str, str | None], theirs: dict[str, str | None]
) -> tuple[int, int, int, int]:
    parsed_alike = sum((ours[v] is None) == (theirs[v] is None) for v in values)
    both = [v for v in values if ours[v] is not None and theirs[v] is not None]
    alike = sum(a == b for v in both for a, b in zip(ours[v] or "", theirs[v] or "", strict=True))
    total = sum(len(ours[v] or "") for v in both)
    return parsed_alike, len(both), alike, total


def differences(
    values: list[str],
    ours: dict[str, str | None],
    theirs: dict[str, str | None],
    instants: list[datetime],
) -> list[str]:
    lines = []
    for value in values:
        a, b = ours[value], theirs[value]
        if (a is None) != (b is None):
            who = "Pollen" if a is None else "opening_hours.js"
            lines.append(f"- `{value}`: only {who} refuses it")
        elif a is not None and b is not None and a != b:
            wrong = [k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
            first = instants[wrong[0]].astimezone(PARIS)
            lines.append(
                f"- `{value}`: {len(wrong)} moment(s) differ, first {first:%a %Y-%m-%d %H:%M} "
                f"(Pollen {a[wrong[0]]}, opening_hours.js {b[wrong[0]]})"
            )
    return lines


def main() -> None:
    load1, load5, _ = os.getloadavg()
    print("# Opening hours benchmark: Pollen (opening-hours-py) against opening_hours.js\n")
    print(f"Machine: {os.cpu_count()} CPUs (nproc), load average {load1:.2f} / {load5:.2f}.")
    if shutil.which("node") is None or not (NODE_MODULES / "opening_hours").exists():
        print("node or opening_hours.js absent (`make install` with npm): benchmark skipped.")
        return
    version = json.loads((NODE_MODULES / "opening_hours" / "package.json").read_text())["version"]
    instants = moments()
    holidays = frozenset(
        french_public_holidays(YEAR - 1)
        | french_public_holidays(YEAR)
        | french_public_holidays(YEAR + 1)
    )
    groups = {"specification examples": spec_values(), **data_values()}
    print(
        f"opening_hours.js {version} (node, TZ=Europe/Paris, Île-de-France holidays, sun at "
        f"Paris); {len(instants):,} moments: every 7 h 01 min over {YEAR} and 11:00 and 15:00 on each "
        f"public holiday. Pollen: national jours fériés, sun at Paris. States: open, closed, "
        f"unknown. Target: ≥ {TARGET_STATES:.1%} of states alike.\n"
    )
    print(
        "| values | count (distinct) | parsed alike | both parse | states compared "
        "| states alike | Pollen (s) | opening_hours.js (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    every: list[str] = []
    ours_all: dict[str, str | None] = {}
    theirs_all: dict[str, str | None] = {}
    for name, raw in groups.items():
        values = list(dict.fromkeys(raw))
        every += [v for v in values if v not in ours_all]
        started = time.perf_counter()
        ours = pollen_states(values, instants, holidays)
        ours_seconds = time.perf_counter() - started
        started = time.perf_counter()
        theirs = js_states(values, instants)
        theirs_seconds = time.perf_counter() - started
        ours_all |= ours
        theirs_all |= theirs
        parsed, both, alike, total = compare(values, ours, theirs)
        print(
            f"| {name} | {len(raw):,} ({len(values):,}) | {parsed / len(values):.1%} | {both:,} "
            f"| {total:,} | {alike / max(total, 1):.3%} | {ours_seconds:.1f} | {theirs_seconds:.1f} |"
        )
    parsed, both, alike, total = compare(every, ours_all, theirs_all)
    verdict = "✅" if alike / max(total, 1) >= TARGET_STATES else "❌"
    print(
        f"| **all** | ({len(every):,}) | {parsed / len(every):.1%} | {both:,} | {total:,} "
        f"| {alike / max(total, 1):.3%} {verdict} | | |"
    )
    diff = differences(every, ours_all, theirs_all, instants)
    print(f"\nValues read differently ({len(diff)}):\n")
    print("\n".join(diff) or "none")


if __name__ == "__main__":
    main()
