"""The restore drill with documents in a bucket: the database only, checked against the bucket."""

import pytest
from django.core.management import call_command

from pollen.applications.models import Document, Submission
from pollen.operations.drill import BUCKET_NOTE, discard, run_drill

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_drill_restores_the_database_and_rechecks_it_against_the_bucket(
    bucket, territory, settings, tmp_path
):
    settings.DEBUG = True  # the demo refuses to load in production
    call_command("load_demo", stdout=None)
    call_command("seal_audit")
    assert Submission.objects.exists() and Document.objects.exists()
    result = run_drill(tmp_path, target=f"pollen_restore_drill_{id(tmp_path) % 10**6}")
    try:
        names = [s.name for s in result.steps]
        assert "sauvegarde des pièces" not in names and "restauration des pièces" not in names
        assert next(s for s in result.steps if s.name == "pièces : stockage objet").output == (
            BUCKET_NOTE
        )
        assert result.copy.media_root is None and not (tmp_path / "documents").exists()
        assert result.ok, [(s.name, s.output) for s in result.steps if not s.ok]
        receipts = next(s for s in result.steps if s.name == "verify_receipts")
        assert f"{Submission.objects.count()} accusé(s) de réception vérifié(s), 0 écart(s)" in (
            receipts.output
        )
    finally:
        discard(result.copy)
