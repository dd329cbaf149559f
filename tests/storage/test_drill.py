"""The restore drill with documents in a bucket: the database only, checked against the bucket.

Two submitted applications are enough here (the drill on the whole demo's data is
tests/operations/test_backup_restore_drill.py); their documents are in the bucket."""

import datetime as dt

import pytest
from django.core.management import call_command

from pollen import clock
from pollen.applications import services
from pollen.applications.models import Document, Submission
from pollen.operations.drill import BUCKET_NOTE, discard, run_drill
from tests.builders import eligible_draft, organisation_for
from tests.storage.conftest import BUCKET

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_drill_restores_the_database_and_rechecks_it_against_the_bucket(
    bucket, s3, call_2013, personas, tmp_path
):
    for persona, siret in (("applicant", "73282932000074"), ("applicant_b", "44306184100047")):
        organisation_for(personas[persona], siret=siret)
        draft = eligible_draft(call_2013, personas[persona])
        with clock.override(call_2013.closes_at - dt.timedelta(days=1)):
            services.submit_application(acting_user=personas[persona], application_id=draft.pk)
    call_command("seal_audit")
    assert Submission.objects.count() == 2
    stored = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    names = [d.file.name for d in Document.objects.all()]
    assert names and {f"{bucket.location}/{name}" for name in names} <= stored
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
