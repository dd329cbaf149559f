"""Benchmark: the API's list endpoint answers in p50 < 50 ms with 10,000 awards."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("POLLEN_BENCH_AWARDS", "10000")

import bench_scdl_export as fixture  # noqa: E402  (sets up Django on a fresh database)
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

TARGET_P50_MS = 50.0
REQUESTS = 300


def measure(client: Client, paths: list[str]) -> list[float]:
    timings = []
    for i in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(paths[i % len(paths)])
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:200]
    return timings


def main() -> None:
    load1, load5, _ = os.getloadavg()
    print("# API list endpoint\n")
    print(
        f"machine: {os.cpu_count()} CPU, load {load1:.2f} / {load5:.2f} (1 / 5 min), "
        f"database {connection.vendor}, in-process Django test client (no network)\n"
    )
    started = time.perf_counter()
    fixture.populate(fixture.AWARDS)
    print(f"setup: {fixture.AWARDS} signed awards in {time.perf_counter() - started:.1f} s\n")
    pages = fixture.AWARDS // 50
    cases = {
        "/api/v1/awards (page_size 50, pages spread)": [
            f"/api/v1/awards?page={p}" for p in range(1, pages + 1, max(pages // 37, 1))
        ],
        "/api/v1/awards?page_size=100": ["/api/v1/awards?page_size=100"],
        "/api/v1/awards?year=2013&call=fablabs-2013": [
            "/api/v1/awards?year=2013&call=fablabs-2013"
        ],
        "/api/v1/calls": ["/api/v1/calls"],
    }
    print("| endpoint | p50 | p95 | max | target p50 |")
    print("|---|---|---|---|---|")
    ok = True
    with override_settings(POLLEN_API_RATE_LIMIT=10**9):
        client = Client()
        client.get("/api/v1/calls")  # warm up: URL resolver, call file parsing
        for name, paths in cases.items():
            cache.clear()
            timings = sorted(measure(client, paths))
            p50 = statistics.median(timings)
            p95 = timings[int(len(timings) * 0.95) - 1]
            ok = ok and p50 < TARGET_P50_MS
            print(
                f"| {name} | {p50:.1f} ms | {p95:.1f} ms | {timings[-1]:.1f} ms | < {TARGET_P50_MS:.0f} ms |"
            )
    print(f"\n{REQUESTS} requests per row. verdict: {'OK' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
