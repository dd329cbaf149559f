"""The cluster benchmark's small version: two web nodes and two workers on loopback, one of
each killed with `kill -9` mid-rush and restarted, and nothing lost.

It runs benchmarks/bench_cluster.py as a subprocess (PostgreSQL, moto's S3 server, the load
balancer, the SMTP sink and the webhook receiver, all on 127.0.0.x) on its own database
(`<DATABASE_URL's name>_cluster`, dropped afterwards) and reads its JSON report.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="the cluster runs on PostgreSQL only (DATABASE_URL is not a postgres:// URL): "
        "several processes write at once, which SQLite serialises",
    ),
]
# No one-node/two-node comparison (--compare-seconds 0): on a CI machine its throughput ratio is
# noise, a measure and not a proof (make bench runs it). The drafts are made for 30 submissions/s
# (about 600 of them), more than the 12-25/s eight clients reach on a 2-core machine.
SMALL = [
    *("--clients", "8", "--seconds", "20", "--compare-seconds", "0"),
    *("--node-workers", "2", "--export-size", "300", "--pool-size", "60", "--max-rate", "30"),
    *("--job-wait", "20"),
]


def run_small(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict]:
    parts = urlsplit(DATABASE_URL)
    admin = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    name = f"{parts.path.strip('/') or 'pollen'}_cluster"
    report = tmp_path / "cluster.json"
    env = {**os.environ, "POLLEN_BENCH_PG": admin}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_cluster.py"),
            *SMALL,
            *("--db-name", name, "--json", str(report)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert report.exists(), f"no report:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return done, json.loads(report.read_text(encoding="utf-8"))


def test_a_web_node_and_a_worker_killed_mid_rush_lose_nothing(tmp_path):
    done, report = run_small(tmp_path)
    failed = {name: text for name, (ok, text) in report["checks"].items() if not ok}
    assert not [c for c in report["checks"] if c.startswith("débit")]  # no comparison was run
    assert not failed, f"{failed}\n{done.stdout[-4000:]}"
    facts = report["facts"]
    # The rush ran, across the kill: acknowledged submissions, each with its mail and webhook.
    assert facts["acknowledged"] >= 30, done.stdout[-3000:]
    assert report["mails"]["expected"] == facts["submissions"] >= facts["acknowledged"]
    assert report["webhooks"]["expected"] == facts["submissions"]
    assert report["mails"]["lost"] == report["webhooks"]["lost"] == 0
    # The kill and the restart happened during the rush, and the node came back.
    timeline = "\n".join(report["timeline"])
    assert "kill -9 de node2" in timeline and "relancés" in timeline
    assert "node2 répond à /healthz" in timeline
    # The committee's run is the in-process solve, the export has every application.
    assert report["committee"]["attempts"] >= 1
    assert facts["committee"]["equal"] and facts["committee"]["same_problem"]
    assert report["export"]["value"] >= 300
    assert "RUNNING" not in facts["tasks"]
    assert done.returncode == 0, done.stdout[-3000:]
