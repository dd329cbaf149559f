"""The restore drill on the demo's data: the copy passes both checks, and tampering shows.

Runs on SQLite and on PostgreSQL (CI runs the suite on both): the drill reads the test
database (a file on SQLite, see config/settings.py), so the demo is committed first.
"""

import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils.functional import empty

from config.storage import private_storage as private_storage_config
from pollen.applications.models import Document, Submission, private_storage
from pollen.operations.drill import CHECKS, discard, run_drill, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(territory, settings):
    settings.DEBUG = True  # the demo refuses to load in production
    # Documents in the local folder here, even when the suite runs with a bucket: the drill
    # then copies them (with a bucket it does not: tests/storage/test_drill.py).
    settings.STORAGE_URL = ""
    settings.STORAGES = {**settings.STORAGES, "private": private_storage_config("", {})}
    private_storage._wrapped = empty
    call_command("load_demo", stdout=None)
    call_command("seal_audit")
    assert Submission.objects.exists() and Document.objects.exists()


@pytest.fixture
def drill(demo, tmp_path, capsys):
    capsys.readouterr()
    started = time.perf_counter()
    (tmp_path / "drill").mkdir()
    result = run_drill(tmp_path / "drill", target=f"pollen_restore_drill_{id(tmp_path) % 10**6}")
    result.wall = time.perf_counter() - started
    yield result
    discard(result.copy)


def test_the_restored_copy_passes_both_checks_and_tampering_shows(drill, capsys):
    with capsys.disabled():
        print(f"\n[drill on {connection.vendor}]")
        for step in drill.steps:
            print(f"  {step.name:<28} {step.seconds:6.2f} s  {'ok' if step.ok else 'FAIL'}")
        print(f"  total {drill.total:.2f} s (wall {drill.wall:.2f} s)")
    names = [s.name for s in drill.steps]
    assert all(check in names for check in CHECKS)
    assert drill.ok, [(s.name, s.output) for s in drill.steps if not s.ok]
    receipts = next(s for s in drill.steps if s.name == "verify_receipts")
    assert f"{Submission.objects.count()} accusé(s) de réception vérifié(s), 0 écart(s)" in (
        receipts.output
    )
    assert (
        "Chaîne d'audit intacte" in next(s for s in drill.steps if s.name == "verify_audit").output
    )
    assert drill.copy.database_url != "" and drill.copy.media_root.exists()
    if connection.vendor == "postgresql":
        assert "garde d'audit" in names  # the restored audit table is still append-only

    # One demo load for both halves (it is most of the time): then a document altered in the
    # restored copy makes verify_receipts fail.
    document = (
        Document.objects.filter(application__submissions__isnull=False).order_by("pk").first()
    )
    restored = drill.copy.media_root / document.file.name
    restored.write_bytes(restored.read_bytes() + b"tampered")
    check = verify(drill.copy, "verify_receipts")
    assert not check.ok
    assert "a changé" in check.output
