"""POLLEN_DB_POOL bounds a process's PostgreSQL connections: threads beyond it wait for one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.postgres

PROBE = """
import threading
import django
django.setup()
from django.db import connection

pids, lock = set(), threading.Lock()

def work():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_sleep(0.2)")
        pid = cursor.fetchone()[0]
    connection.close()  # back to the pool
    with lock:
        pids.add(pid)

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(pids))
"""


@pytest.mark.django_db
def test_eight_threads_share_the_pools_three_connections():
    if connection.vendor != "postgresql":
        pytest.skip("the pool is PostgreSQL's (psycopg_pool)")
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    root = Path(__file__).resolve().parent.parent
    answers = {}
    for size in ("3", "0"):
        done = subprocess.run(
            [sys.executable, "-c", PROBE],
            env={**env, "POLLEN_DB_POOL": size},
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        answers[size] = int(done.stdout.split()[-1])
    # With the pool, 8 threads ran on at most 3 backends; without it, each opened its own.
    assert 1 <= answers["3"] <= 3 and answers["0"] == 8
