"""Every application page tried with every persona: nobody sees or changes what is not theirs."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pollen import clock
from pollen.applications import services
from pollen.applications.models import Application, Document, Submission
from pollen.audit.models import AuditEvent
from tests.builders import PDF, eligible_draft, organisation_for
from tests.conftest import PERSONAS, STAFF, client_for


@pytest.fixture
def world(call_2013, personas):
    """Applicant A's submitted application (with a receipt) and a draft; applicant B has their own organisation."""
    organisation_for(personas["applicant"])
    organisation_for(
        personas["applicant_b"], siret="44306184100047", commune="29019", name="Fablab B"
    )
    submitted = eligible_draft(call_2013, personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    with clock.override(call_2013.closes_at - dt.timedelta(days=1)):
        services.submit_application(acting_user=personas["applicant"], application_id=submitted.pk)
    return {"submitted": submitted, "draft": draft, "doc": draft.documents.first()}


def expected_view(name: str, owner_ok: int = 200) -> int:
    if name == "anonymous":
        return 302
    if name == "applicant" or name in STAFF:
        return owner_ok
    return 404


@pytest.mark.parametrize("name", PERSONAS)
def test_reading_pages_follow_the_roles(client, personas, world, name):
    c = client_for(client, personas, name)
    submitted, draft, doc = world["submitted"], world["draft"], world["doc"]
    pages = [
        reverse("applications:detail", args=[draft.pk]),
        reverse("applications:document", args=[draft.pk, doc.pk]),
        reverse("applications:receipt", args=[submitted.pk, 1]),
        reverse("applications:receipt_pdf", args=[submitted.pk, 1]),
    ]
    for url in pages:
        response = c.get(url)
        if response.streaming:  # reading a FileResponse to the end closes the document it holds
            b"".join(response.streaming_content)
        assert response.status_code == expected_view(name), url


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_owner_edits_a_draft(client, personas, world, name):
    c = client_for(client, personas, name)
    response = c.get(reverse("applications:edit", args=[world["draft"].pk]))
    expected = {"anonymous": 302, "applicant": 200}.get(name, 302 if name in STAFF else 404)
    assert response.status_code == expected
    if name in STAFF:  # staff are sent to the read-only page, with the reason
        assert response.url == reverse("applications:detail", args=[world["draft"].pk])


@pytest.mark.parametrize("name", [p for p in PERSONAS if p != "applicant"])
def test_nobody_else_changes_the_draft_by_a_direct_post(client, personas, world, name):
    c = client_for(client, personas, name)
    draft, doc = world["draft"], world["doc"]
    before = AuditEvent.objects.count()
    posts = [
        (
            reverse("applications:edit", args=[draft.pk]),
            {
                "title": "Piraté",
                "kind": "creation",
                "expenses-TOTAL_FORMS": "0",
                "expenses-INITIAL_FORMS": "0",
                "resources-TOTAL_FORMS": "0",
                "resources-INITIAL_FORMS": "0",
            },
        ),
        (
            reverse("applications:upload", args=[draft.pk]),
            {"doc_type": "rib", "file": SimpleUploadedFile("x.pdf", PDF)},
        ),
        (reverse("applications:remove_document", args=[draft.pk, doc.pk]), {}),
        (reverse("applications:submit", args=[draft.pk]), {}),
    ]
    for url, data in posts:
        status = c.post(url, data).status_code
        assert status in {302, 403, 404}, (url, status)
    draft.refresh_from_db()
    assert draft.title == "Équiper le fablab"
    assert draft.status == "draft"
    assert Document.objects.get(pk=doc.pk).removed_at is None
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("name", "expected"),
    [("applicant_b", 404), ("expert", 404), ("committee", 404), ("instructor", 403)],
)
def test_submitting_someone_elses_draft_is_404_or_403_for_staff(
    client, personas, world, name, expected
):
    c = client_for(client, personas, name)
    assert c.post(reverse("applications:submit", args=[world["draft"].pk])).status_code == expected
    assert c.post(reverse("applications:submit", args=[999999])).status_code == 404
    assert not Submission.objects.filter(application=world["draft"]).exists()


def test_applicant_b_gets_404_not_403_so_ids_reveal_nothing(client, personas, world):
    c = client_for(client, personas, "applicant_b")
    assert c.get(reverse("applications:detail", args=[world["draft"].pk])).status_code == 404
    assert c.get(reverse("applications:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", PERSONAS)
def test_only_instructors_reopen_a_submitted_application(client, personas, world, name):
    c = client_for(client, personas, name)
    submitted = world["submitted"]
    response = c.post(
        reverse("applications:reopen", args=[submitted.pk]), {"message": "Pièce illisible"}
    )
    reopened = Application.objects.get(pk=submitted.pk).round == 2
    assert reopened is (name in STAFF)
    if name not in STAFF:
        assert response.status_code in {302, 403, 404}


@pytest.mark.parametrize("name", PERSONAS)
def test_public_pages_are_open_to_everyone(client, personas, world, name):
    c = client_for(client, personas, name)
    for url in (
        reverse("home"),
        reverse("calls:detail", args=["fablabs-2013"]),
        reverse("territory:commune_search") + "?q=ren",
    ):
        assert c.get(url).status_code == 200, url
