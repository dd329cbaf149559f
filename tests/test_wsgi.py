"""The WSGI entry point that gunicorn and granian load."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wsgi_application_loads_and_freezes_what_lives_as_long_as_the_process():
    # In a fresh interpreter: freezing the collector's generations would outlive this test.
    probe = (
        "import gc, config.wsgi; print(callable(config.wsgi.application), gc.get_freeze_count())"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[0] == "True"
    assert int(out[1]) > 10_000  # Django's modules, settings, URL patterns… out of every collection
