"""migrate_storage: the local folder copied into the bucket, each copy read back and checked."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command

from tests.storage.conftest import BUCKET


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "old-documents"
    (root / "fablabs-2013" / "1").mkdir(parents=True)
    (root / "fablabs-2013" / "1" / "aa-statuts.pdf").write_bytes(b"%PDF-1.4 statuts")
    (root / "fablabs-2013" / "1" / "bb-rib.pdf").write_bytes(b"%PDF-1.4 rib")
    (root / "fablabs-2013" / "2").mkdir()
    (root / "fablabs-2013" / "2" / "cc-budget.xlsx").write_bytes(b"PK budget")
    return root


def migrate(folder) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("migrate_storage", "--source", str(folder), stdout=out)
    except SystemExit as exited:
        return int(exited.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_it_copies_verifies_and_copies_nothing_the_second_time(bucket, s3, folder):
    code, out = migrate(folder)
    assert code == 0
    assert "3 fichier(s) copié(s) et vérifié(s), 0 déjà présent(s), 0 écart(s)." in out
    body = s3.get_object(Bucket=BUCKET, Key=f"{bucket.location}/fablabs-2013/1/bb-rib.pdf")
    assert body["Body"].read() == b"%PDF-1.4 rib"

    (folder / "fablabs-2013" / "2" / "dd-devis.pdf").write_bytes(b"%PDF-1.4 devis")
    code, out = migrate(folder)  # resumed: only the new file goes
    assert code == 0
    assert "1 fichier(s) copié(s) et vérifié(s), 3 déjà présent(s), 0 écart(s)." in out
    code, out = migrate(folder)
    assert "0 fichier(s) copié(s) et vérifié(s), 4 déjà présent(s), 0 écart(s)." in out


def test_another_content_under_the_same_name_is_reported_never_replaced(bucket, s3, folder):
    key = f"{bucket.location}/fablabs-2013/1/aa-statuts.pdf"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"something else")
    code, out = migrate(folder)
    assert code == 1
    assert "fablabs-2013/1/aa-statuts.pdf : ÉCART" in out
    assert "2 fichier(s) copié(s) et vérifié(s), 0 déjà présent(s), 1 écart(s)." in out
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"something else"


def test_a_copy_that_does_not_read_back_identical_fails_the_run(bucket, folder, monkeypatch):
    from pollen.operations import storage_migration

    real = storage_migration.sha256_of
    reads = {"n": 0}

    def corrupted_on_read_back(storage, name):
        reads["n"] += 1
        digest = real(storage, name)
        # The read that follows a copy sees other bytes (a provider that lost or altered them).
        return hashlib.sha256(b"x").hexdigest() if reads["n"] == 2 else digest

    monkeypatch.setattr(storage_migration, "sha256_of", corrupted_on_read_back)
    code, out = migrate(folder)
    assert code == 1
    assert "la copie relue ne correspond pas" in out
