"""Benchmark: national population coverage for 1,000 and 10,000 places, indexed vs brute force."""

from __future__ import annotations

import csv
import math
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from pollen.domain.territory.communes import CommunePoint  # noqa: E402
from pollen.domain.territory.coverage import CoverageModel, CoverageReport  # noqa: E402
from pollen.domain.territory.geo import EARTH_RADIUS_KM, haversine_km  # noqa: E402

DATA_DIR = Path(os.environ.get("POLLEN_DATA_DIR", str(ROOT.parent / "shared" / "data")))
COMMUNES_CSV = DATA_DIR / "communes-coordonnees-fusion" / "communes_coordonnees_decoupage6.csv"
PLACE_COUNTS = (1_000, 10_000)
RADII_KM = (10.0, 30.0)
RUNS = 7
TARGET_MS, TARGET_MB = 100.0, 200.0
# Pairs per brute-force chunk: bounds its memory to a few arrays of this many floats.
CHUNK_PAIRS = 2_000_000


def load_communes(path: Path = COMMUNES_CSV) -> list[CommunePoint]:
    """Communes actuelles with coordinates (arrondissements skipped, so PLM count once)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            CommunePoint(
                insee=row["code_insee"],
                name=row["nom"],
                departement=row["departement"],
                region=row["region"],
                population=int(row["population"] or 0),
                lat=float(row["latitude"]),
                lon=float(row["longitude"]),
            )
            for row in csv.DictReader(handle)
            if row["type"] == "commune-actuelle" and row["latitude"] and row["longitude"]
        ]


def random_places(model: CoverageModel, n: int, seed: int) -> np.ndarray:
    """Points of n random communes (seeded), jittered by up to ~3 km."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(model), size=n, replace=True)
    lat = np.clip(model.lats[pick] + rng.uniform(-0.03, 0.03, n), -90.0, 90.0)
    lon = model.lons[pick] + rng.uniform(-0.03, 0.03, n)
    return np.column_stack((lat, (lon + 180.0) % 360.0 - 180.0))


def brute_force_mask(model: CoverageModel, places: np.ndarray, radius: float) -> np.ndarray:
    """Every commune-place pair, vectorised numpy haversine in chunks; borderline pairs
    (within 1 mm of R) re-checked with geo.haversine_km, the reference definition."""
    covered = np.zeros(len(model), dtype=bool)
    p_lat, p_lon = np.radians(places[:, 0]), np.radians(places[:, 1])
    cos_p = np.cos(p_lat)
    step = max(1, CHUNK_PAIRS // max(len(places), 1))
    for start in range(0, len(model), step):
        c_lat = np.radians(model.lats[start : start + step])[:, None]
        c_lon = np.radians(model.lons[start : start + step])[:, None]
        a = (
            np.sin((p_lat - c_lat) / 2) ** 2
            + np.cos(c_lat) * cos_p * np.sin((p_lon - c_lon) / 2) ** 2
        )
        km = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
        covered[start : start + step] = (km < radius - 1e-6).any(axis=1)
        for i, j in zip(*np.nonzero(np.abs(km - radius) <= 1e-6), strict=True):
            c = start + int(i)
            covered[c] |= haversine_km(model.lats[c], model.lons[c], *places[j]) <= radius
    return covered


def best_time(action: Callable[[], Any], runs: int) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(runs):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def traced(action: Callable[[], Any]) -> tuple[float, float, Any]:
    """Seconds, tracemalloc peak (MB) and result of one run."""
    tracemalloc.start()
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True, slots=True)
class Row:
    places: int
    radius: float
    seconds: float
    peak_mb: float
    covered: np.ndarray
    report: CoverageReport | None = None


def measure_indexed(model: CoverageModel, n: int, radius: float) -> Row:
    places = random_places(model, n, seed=n)
    seconds, report = best_time(partial(model.coverage, places, radius), RUNS)
    _, peak, _ = traced(partial(model.coverage, places, radius))
    return Row(n, radius, seconds, peak, model.covered_mask(places, radius), report)


def measure_brute(model: CoverageModel, n: int, radius: float) -> Row:
    # One traced run: brute force is all numpy, so tracemalloc barely slows it down.
    seconds, peak, covered = traced(
        partial(brute_force_mask, model, random_places(model, n, seed=n), radius)
    )
    return Row(n, radius, seconds, peak, covered)


def print_rows(model: CoverageModel, indexed: list[Row], brute: list[Row]) -> None:
    print(
        "| places | R (km) | method | time (ms) | peak memory (MB) | covered population "
        "| share | equal to brute force |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---|")
    total = int(model.population.sum())
    for fast, slow in zip(indexed, brute, strict=True):
        assert fast.report is not None
        slow_pop = int(model.population[slow.covered].sum())
        equal = np.array_equal(fast.covered, slow.covered)
        equal = equal and slow_pop == fast.report.covered_population
        met = fast.seconds * 1000 < TARGET_MS and fast.peak_mb < TARGET_MB
        verdict = "" if fast.places < 10_000 else (" ✅" if met else " ❌")
        print(
            f"| {fast.places:,} | {fast.radius:g} | indexed{verdict} | {fast.seconds * 1000:.1f} "
            f"| {fast.peak_mb:.1f} | {fast.report.covered_population:,} "
            f"| {fast.report.share:.2%} | {'yes' if equal else 'NO'} |"
        )
        print(
            f"| {slow.places:,} | {slow.radius:g} | brute force | {slow.seconds * 1000:.0f} "
            f"| {slow.peak_mb:.1f} | {slow_pop:,} | {slow_pop / total:.2%} | — |"
        )


def main() -> None:
    load1, load5, _ = os.getloadavg()
    print("# Coverage benchmark\n")
    print(f"Machine: {os.cpu_count()} CPUs (nproc), load average {load1:.2f} / {load5:.2f}.")
    loaded, communes = best_time(load_communes, 1)
    built, model = best_time(partial(CoverageModel, communes), 1)
    print(
        f"{len(communes):,} communes actuelles, population {int(model.population.sum()):,}; "
        f"CSV read in {loaded:.2f} s, CoverageModel built in {built * 1000:.0f} ms (once).\n"
    )
    print(
        f"Target: coverage of all communes against 10,000 places in < {TARGET_MS:.0f} ms and "
        f"< {TARGET_MB:.0f} MB. Indexed: CoverageModel.coverage (full report), best of {RUNS} "
        "runs. Brute force: every commune-place pair, vectorised numpy haversine in chunks, "
        "one run, not sampled. Memory: tracemalloc peak of one run.\n"
    )
    cases = [(n, r) for n in PLACE_COUNTS for r in RADII_KM]
    indexed = [measure_indexed(model, n, r) for n, r in cases]
    rss_indexed = max_rss_mb()
    brute = [measure_brute(model, n, r) for n, r in cases]
    print_rows(model, indexed, brute)
    print(
        f"\nProcess peak RSS (includes the CSV and the model): {rss_indexed:.0f} MB after the "
        f"indexed runs, {max_rss_mb():.0f} MB after brute force. tracemalloc does not see the "
        "k-d tree's C++ nodes, hence the RSS figure as an upper bound."
    )
    print(
        "Indexed method: a k-d tree of the places on 3-D unit vectors, the nearest place of "
        "each commune, and an exact haversine re-check of communes within 1 m of R."
    )


if __name__ == "__main__":
    main()
