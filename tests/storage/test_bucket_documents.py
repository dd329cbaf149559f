"""Documents in an S3-compatible bucket: uploaded by the applicant's page, served after the access
check only, nothing half stored when the storage fails, receipts re-hashed in the bucket."""

import datetime as dt
import urllib.request
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from pollen import clock
from pollen.applications import services
from pollen.applications.models import Document
from tests.applications import samples
from tests.builders import eligible_draft, organisation_for
from tests.storage.conftest import BUCKET, free_port, use_storage_url

pytestmark = pytest.mark.django_db

NOT_STORED = escape(
    "Le stockage des documents ne répond pas : votre fichier n'a pas été enregistré, "
    "réessayez dans un instant."
)


@pytest.fixture
def draft(during_call, call_2013, personas, applicant_client):
    return eligible_draft(call_2013, personas["applicant"], with_documents=False)


def upload(client, draft, data: bytes, doc_type: str = "statuts"):
    return client.post(
        reverse("applications:upload", args=[draft.pk]),
        {"doc_type": doc_type, "file": SimpleUploadedFile("statuts.pdf", data)},
        follow=True,
    )


def keys(s3) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_an_upload_goes_to_the_bucket_and_comes_back_only_through_the_access_check(
    bucket, s3, applicant_client, draft, client, personas
):
    pdf = samples.pdf()
    response = upload(applicant_client, draft, pdf)
    assert escape("Pièce « statuts.pdf » jointe.") in response.content.decode()
    document = Document.objects.get()
    key = f"{bucket.location}/{document.file.name}"
    stored = s3.get_object(Bucket=BUCKET, Key=key)
    assert stored["Body"].read() == pdf
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert all("AllUsers" not in str(g["Grantee"]) for g in grants)  # never public

    url = reverse("applications:document", args=[draft.pk, document.pk])
    response = applicant_client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf
    assert response["Content-Disposition"] == 'attachment; filename="statuts.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"

    client.force_login(personas["applicant_b"])
    assert client.get(url).status_code == 404


def test_an_unreachable_storage_is_said_at_the_file_field_and_nothing_is_kept(
    settings, applicant_client, draft
):
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    use_storage_url(settings, f"s3://k:s@{BUCKET}?endpoint_url={nobody}&region_name=us-east-1")
    response = upload(applicant_client, draft, samples.pdf())
    assert response.status_code == 503
    page = response.content.decode()
    assert NOT_STORED in page
    assert 'id="upload-statuts-error"' in page and "fr-upload-group--error" in page
    assert escape("» jointe.") not in page
    assert not Document.objects.exists()


def test_an_object_whose_row_cannot_be_written_is_removed(bucket, s3, draft, personas, monkeypatch):
    def broken(application):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "refresh_eligibility", broken)
    with pytest.raises(RuntimeError):
        services.add_document(
            acting_user=personas["applicant"],
            application=draft,
            doc_type="statuts",
            upload=SimpleUploadedFile("statuts.pdf", samples.pdf()),
        )
    assert not Document.objects.exists()
    assert not [k for k in keys(s3) if k.startswith(bucket.location)]


def test_verify_receipts_rehashes_the_documents_in_the_bucket_and_sees_tampering(
    bucket, s3, call_2013, personas
):
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    with clock.override(call_2013.closes_at - dt.timedelta(days=1)):
        services.submit_application(acting_user=personas["applicant"], application_id=draft.pk)
    out = StringIO()
    call_command("verify_receipts", stdout=out)
    assert "1 accusé(s) de réception vérifié(s), 0 écart(s)" in out.getvalue()

    document = draft.documents.order_by("pk").first()
    s3.put_object(Bucket=BUCKET, Key=f"{bucket.location}/{document.file.name}", Body=b"tampered")
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_receipts", stdout=out)
    assert exited.value.code == 1
    assert "a changé" in out.getvalue()


def test_verify_receipts_stops_and_says_so_when_the_storage_does_not_answer(
    bucket, settings, call_2013, personas
):
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    with clock.override(call_2013.closes_at - dt.timedelta(days=1)):
        services.submit_application(acting_user=personas["applicant"], application_id=draft.pk)
    nobody = f"http://127.0.0.1:{free_port()}"
    use_storage_url(settings, f"s3://k:s@{BUCKET}?endpoint_url={nobody}&region_name=us-east-1")
    with pytest.raises(CommandError, match="Le stockage des pièces ne répond pas"):
        call_command("verify_receipts", stdout=StringIO())


def test_a_presigned_link_is_issued_after_the_access_check_only(
    bucket, settings, applicant_client, draft, client, personas
):
    settings.STORAGE_PRESIGNED = True
    pdf = samples.pdf()
    upload(applicant_client, draft, pdf)
    document = Document.objects.get()
    url = reverse("applications:document", args=[draft.pk, document.pk])
    response = applicant_client.get(url)
    assert response.status_code == 302
    link = response["Location"]
    assert link.startswith(bucket.endpoint_url)
    assert "X-Amz-Signature=" in link and "X-Amz-Expires=60" in link
    assert "response-content-disposition=attachment" in link  # the same name as Pollen's
    with urllib.request.urlopen(link) as answer:  # noqa: S310 - the tests' own loopback server
        assert answer.read() == pdf
    client.force_login(personas["applicant_b"])
    assert client.get(url).status_code == 404
