"""Safe uploads seen by the applicant: the upload page refuses hostile files and says why."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from pollen.applications.models import Document
from tests.applications import samples
from tests.builders import eligible_draft, organisation_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(during_call, call_2013, personas, applicant_client):
    return eligible_draft(call_2013, personas["applicant"], with_documents=False)


def upload(client, draft, name: str, data: bytes, doc_type: str = "statuts") -> str:
    response = client.post(
        reverse("applications:upload", args=[draft.pk]),
        {"doc_type": doc_type, "file": SimpleUploadedFile(name, data)},
        follow=True,
    )
    assert response.status_code == 200
    return response.content.decode()


def test_it_refuses_a_pdf_carrying_eicar_and_names_the_signature(applicant_client, draft, clamav):
    infected = samples.pdf_with(b"<< /Type /Catalog >>", b"(" + samples.EICAR + b")")
    page = upload(applicant_client, draft, "statuts.pdf", infected)
    assert "refusé" in page and "Eicar-Test-Signature" in page
    assert not Document.objects.exists()


def test_it_stores_nothing_and_asks_to_retry_when_the_scanner_is_down(
    applicant_client, draft, settings, tmp_path
):
    settings.POLLEN_CLAMAV = f"unix://{tmp_path / 'clamd.ctl'}"  # nobody listens there
    page = upload(applicant_client, draft, "statuts.pdf", samples.pdf())
    assert escape("momentanément indisponible") in page
    assert "Réessayez dans quelques minutes" in page
    assert not Document.objects.exists()
    assert not list((settings.PRIVATE_MEDIA_ROOT).rglob("*.*"))


def test_it_refuses_a_pdf_with_javascript(applicant_client, draft):
    hostile = samples.pdf_with(b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (x) >> >>")
    page = upload(applicant_client, draft, "statuts.pdf", hostile)
    assert "/JavaScript" in page and "action automatique" in page
    assert not Document.objects.exists()


def test_it_refuses_a_pdf_that_is_also_a_web_page(applicant_client, draft):
    polyglot = b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n"
    page = upload(applicant_client, draft, "statuts.pdf", polyglot)
    assert "code de page web" in page
    assert not Document.objects.exists()


def test_it_refuses_a_zip_bomb_named_docx(applicant_client, draft):
    page = upload(applicant_client, draft, "budget.docx", samples.zip_bomb_docx())
    assert escape("démesurément grand") in page
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "extension"),
    [
        ("statuts.pdf", samples.pdf(), "pdf"),
        ("scan.png", samples.png(), "png"),
        ("budget.docx", samples.docx(), "docx"),
        ("lettre.odt", samples.odt(), "odt"),
    ],
)
def test_it_accepts_ordinary_documents_scanned_by_clamd(
    applicant_client, draft, clamav, name, data, extension
):
    page = upload(applicant_client, draft, name, data)
    assert escape(f"Pièce « {name} » jointe.") in page
    assert Document.objects.get().file.name.endswith(f".{extension}")


def test_a_pdf_uploaded_as_html_is_stored_and_served_as_a_pdf(applicant_client, draft):
    pdf = samples.pdf()
    upload(applicant_client, draft, "rapport.html", pdf)
    document = Document.objects.get()
    assert document.original_name == "rapport.html"  # shown to people as they named it
    assert document.file.name.endswith("-statuts.pdf") and "rapport" not in document.file.name
    response = applicant_client.get(reverse("applications:document", args=[draft.pk, document.pk]))
    assert b"".join(response.streaming_content) == pdf
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rapport.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_builders_documents_still_pass_every_check(call_2013, personas, clamav):
    """tests/builders.py's documents (used across the suite) go through the scanner too."""
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    assert draft.documents.count() == len(call_2013.spec.documents)
