"""The applicant's loop through the test client: recap and sworn statement, receipt, closed calls,
deleted budget lines, upload results at their field, the instructor's open request."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from pollen import clock
from pollen.applications import services
from pollen.applications.models import Application, Submission
from pollen.audit.models import AuditEvent
from pollen.domain.apply.receipts import SWORN_STATEMENT
from pollen.instruction.models import Message, MessageKind
from pollen.mailing.models import OutgoingMail
from tests.applications.test_views import SWORN, form_data
from tests.builders import PDF, eligible_draft

pytestmark = pytest.mark.django_db


def plain(html: str) -> str:
    """The page with French amounts' narrow no-break spaces read as spaces."""
    return html.replace("\u202f", " ").replace("\xa0", " ")


@pytest.fixture
def draft(applicant_client, during_call, call_2013, personas):
    return eligible_draft(call_2013, personas["applicant"])


def test_the_recap_reads_back_every_section_with_labels_and_french_amounts(applicant_client, draft):
    page = plain(
        applicant_client.get(reverse("applications:recap", args=[draft.pk])).content.decode()
    )
    assert "Équiper le fablab" in page and "Amélioration" in page
    expenses = page[page.index('id="recap-expenses"') : page.index('id="recap-resources"')]
    assert "Découpeuse laser" in expenses and "Équipement et machines" in expenses
    assert "80 000,00" in expenses and "100 000,00" in expenses  # the line and the total
    assert ">equipment<" not in page and ">staff<" not in page  # labels, never codes
    resources = page[page.index('id="recap-resources"') : page.index('id="recap-documents"')]
    assert "Région" in resources and "70 000,00" in resources and "30 000,00" in resources
    assert "statuts.pdf" in page and "Relevé d&#x27;identité bancaire (RIB)" in page
    assert escape("Je certifie sur l'honneur l'exactitude des informations fournies.") in page
    assert 'id="submit-button"' in page and "toutes les règles sont respectées" in page.lower()


def test_an_unsworn_submission_is_refused_at_the_checkbox_and_nothing_is_submitted(
    applicant_client, draft
):
    response = applicant_client.post(reverse("applications:submit", args=[draft.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    checkbox = re.search(r'<input type="checkbox" name="sworn"[^>]*>', page)
    assert checkbox is not None
    assert 'aria-invalid="true"' in checkbox.group(0) and "autofocus" in checkbox.group(0)
    assert re.search(r'id="id_sworn-error">Cochez la déclaration sur l(&#x27;|\')honneur', page), (
        "the reason is said at the checkbox"
    )
    assert not Submission.objects.exists()
    assert Application.objects.get(pk=draft.pk).status == "draft"


def test_a_sworn_submission_gives_the_receipt_which_says_where_the_copy_was_mailed(
    applicant_client, draft, personas
):
    response = applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    assert response.url == reverse("applications:receipt", args=[draft.pk, 1])
    page = applicant_client.get(response.url).content.decode()
    email = personas["applicant"].email
    assert f"Une copie vous a été envoyée par courriel à {email}." in page
    mailed = OutgoingMail.objects.get(subject__startswith="Accusé de réception")
    assert mailed.recipient == email
    assert Submission.objects.get().receipt_number in mailed.body


def test_the_recap_button_saves_what_was_typed_then_opens_the_recap(applicant_client, draft):
    response = applicant_client.post(
        reverse("applications:edit", args=[draft.pk]),
        {**form_data(title="Titre tapé juste avant"), "recap": ""},
    )
    assert response.url == reverse("applications:recap", args=[draft.pk])
    assert Application.objects.get(pk=draft.pk).title == "Titre tapé juste avant"
    assert "Titre tapé juste avant" in applicant_client.get(response.url).content.decode()


def test_a_submitted_application_has_no_recap_any_more(applicant_client, draft):
    applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    response = applicant_client.get(reverse("applications:recap", args=[draft.pk]))
    assert response.url == reverse("applications:detail", args=[draft.pk])


@pytest.mark.parametrize(
    ("moment", "said"),
    [
        (dt.datetime(2013, 6, 1, 12, tzinfo=dt.UTC), "pas encore ouvert"),
        (dt.datetime(2013, 9, 14, 12, tzinfo=dt.UTC), "Cet appel est clos"),
    ],
)
def test_a_call_not_yet_open_or_closed_says_so_with_its_dates_and_shows_no_form(
    applicant_client, call_2013, moment, said
):
    with clock.override(moment):
        page = applicant_client.get(reverse("applications:new", args=["fablabs-2013"]))
        posted = applicant_client.post(
            reverse("applications:new", args=["fablabs-2013"]),
            {"title": "Trop tôt ou trop tard", "kind": "creation", "summary": ""},
        )
        call_page = applicant_client.get(reverse("calls:detail", args=["fablabs-2013"]))
    html = page.content.decode()
    assert said in html and "13 septembre 2013" in html
    assert "<form" not in html.split('id="contenu"')[1].split("</main>")[0]
    assert "Titre du projet" not in html
    assert not Application.objects.filter(title="Trop tôt ou trop tard").exists()
    assert said in posted.content.decode()
    callout = call_page.content.decode().split('id="call-not-open"')[1].split("</div>")[0]
    assert "13 septembre 2013" in callout  # the call's own page says so too, with the dates


def test_a_budget_line_is_deleted_without_javascript_and_the_totals_follow(applicant_client, draft):
    response = applicant_client.post(
        reverse("applications:edit", args=[draft.pk]),
        form_data(**{"delete-line": "expenses-1", "expenses-1-amount": "pas un montant"}),
    )
    assert response.url == reverse("applications:edit", args=[draft.pk]) + "#depenses"
    application = Application.objects.get(pk=draft.pk)
    assert [e.label for e in application.expense_lines.all()] == ["Découpeuse laser"]
    assert application.total_expenses == 80000
    page = applicant_client.get(response.url).content.decode()
    assert "Ligne supprimée" in page and "Animation" not in page


def test_a_budget_line_deleted_by_the_script_is_left_out_of_the_autosave(applicant_client, draft):
    response = applicant_client.post(
        reverse("applications:edit", args=[draft.pk]),
        form_data(**{"resources-0-DELETE": "on"}),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Brouillon enregistré" in html
    assert 'data-figure="resources">70 000,00' in plain(html)
    assert (
        not Application.objects.get(pk=draft.pk)
        .resource_lines.exclude(kind="requested_subsidy")
        .exists()
    )


def test_an_accepted_upload_is_confirmed_at_its_field_which_takes_the_focus(
    applicant_client, during_call, call_2013, personas
):
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    response = applicant_client.post(
        reverse("applications:upload", args=[draft.pk]),
        {"doc_type": "rib", "file": SimpleUploadedFile("mon-rib.pdf", PDF)},
    )
    document = draft.documents.get()
    assert response.url == reverse("applications:edit", args=[draft.pk]) + f"?jointe={document.pk}"
    page = applicant_client.get(response.url).content.decode()
    slot = page[page.index('id="piece-rib"') : page.index('id="piece-budget_detail"')]
    assert re.search(r'id="upload-rib-result" role="status" tabindex="-1" autofocus', slot)
    assert escape("Pièce « mon-rib.pdf » jointe.") in slot
    assert page.count(escape("» jointe.")) == 1  # there only, not at the top of the page


def test_a_refused_upload_says_why_at_its_field_which_takes_the_focus(
    applicant_client, during_call, call_2013, personas
):
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    response = applicant_client.post(
        reverse("applications:upload", args=[draft.pk]),
        {"doc_type": "statuts", "file": SimpleUploadedFile("statuts.exe", b"MZ\x90\x00binary")},
    )
    page = response.content.decode()
    assert response.status_code == 200
    slot = page[page.index('id="piece-statuts"') : page.index('id="piece-rib"')]
    field = re.search(r'<input class="fr-upload"[^>]*>', slot)
    assert field is not None and 'aria-invalid="true"' in field.group(0)
    assert "autofocus" in field.group(0)
    assert 'id="upload-statuts-error" role="alert"' in slot and "refusé" in slot


def test_the_instructors_request_shows_on_both_pages_until_the_applicant_resubmits(
    client, applicant_client, draft, personas
):
    applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    client.force_login(personas["instructor"])
    client.post(
        reverse("instruction:completeness", args=[draft.pk]),
        {
            "action": "corrections",
            "message": "Le RIB est illisible.",
            "missing_documents": ["rib", "statuts"],
        },
    )
    client.force_login(personas["applicant"])
    for name in ("applications:detail", "applications:edit"):
        page = client.get(reverse(name, args=[draft.pk])).content.decode()
        request = page[page.index('id="completeness-request"') :]
        assert "Le RIB est illisible." in request
        missing = request[request.index('id="completeness-missing"') :].split("</ul>")[0]
        assert "Statuts de la structure porteuse" in missing
        assert "Relevé d&#x27;identité bancaire (RIB)" in missing
        assert "- Statuts" not in request  # the list, not the raw text
        edit_url = reverse("applications:edit", args=[draft.pk])
        assert f'href="{edit_url}#piece-rib"' in missing  # each label links to its upload field
        assert f'href="{edit_url}#piece-statuts"' in missing
    edit = client.get(reverse("applications:edit", args=[draft.pk])).content.decode()
    rib = edit[edit.index('id="piece-rib"') : edit.index('id="piece-budget_detail"')]
    assert "Demandée par l" in rib
    response = client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    assert response.url == reverse("applications:receipt", args=[draft.pk, 2])
    page = client.get(reverse("applications:detail", args=[draft.pk])).content.decode()
    assert 'id="completeness-request"' not in page


def test_a_request_written_before_documents_were_kept_as_ids_still_lists_them(
    applicant_client, draft, personas
):
    applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    application = services.reopen_application(
        acting_user=personas["instructor"], application=draft, message="Merci."
    )
    Message.objects.create(  # as corrections_text wrote them: the labels in the text
        application=application,
        author=personas["instructor"],
        kind=MessageKind.CORRECTIONS,
        body="Merci de compléter.\n\nPièces à fournir :\n- Statuts de la structure porteuse",
        round=application.round,
        sent_at=clock.now(),
    )
    page = applicant_client.get(reverse("applications:edit", args=[draft.pk])).content.decode()
    request = page[page.index('id="completeness-request"') :]
    assert "Merci de compléter." in request
    missing = request[request.index('id="completeness-missing"') :].split("</ul>")[0]
    assert "#piece-statuts" in missing and "Statuts de la structure porteuse" in missing


def test_the_submission_event_records_the_sworn_statement_in_french_whatever_the_page(
    applicant_client, draft, settings
):
    applicant_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    recap = applicant_client.get(reverse("applications:recap", args=[draft.pk])).content.decode()
    assert "I solemnly declare that the information provided is accurate." in recap
    applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    event = AuditEvent.objects.get(action="application.submitted", object_id=str(draft.pk))
    assert event.after["sworn"] is True
    assert event.after["sworn_statement"] == SWORN_STATEMENT
    assert SWORN_STATEMENT == "Je certifie sur l'honneur l'exactitude des informations fournies."


def test_a_submission_without_the_statement_records_none(draft, personas):
    services.submit_application(acting_user=personas["applicant"], application_id=draft.pk)
    event = AuditEvent.objects.get(action="application.submitted", object_id=str(draft.pk))
    assert event.after["sworn"] is False and event.after["sworn_statement"] == ""


def test_a_draft_whose_call_has_closed_says_so_and_offers_no_submit_button(applicant_client, draft):
    with clock.override(dt.datetime(2013, 9, 14, 12, tzinfo=dt.UTC)):
        edit = applicant_client.get(reverse("applications:edit", args=[draft.pk]))
        recap = applicant_client.get(reverse("applications:recap", args=[draft.pk]))
    for response in (edit, recap):
        page = response.content.decode()
        assert response.status_code == 200
        banner = page[page.index('id="call-shut"') :].split("</div>")[0]
        assert "Cet appel est clos" in banner and "ne peut plus être déposé" in banner
        assert "13 septembre 2013" in banner  # the dates of the call
        assert "consultez les appels ouverts" in banner  # what the applicant can still do
        content = page.split('id="contenu"')[1]
        assert "<form" not in content[: content.index('id="call-shut"')]  # before any form
        assert 'id="recap-button"' not in page and 'id="submit-button"' not in page
        assert 'id="submit-unavailable"' in page


def test_a_draft_of_an_open_call_has_no_such_banner(applicant_client, draft):
    for name in ("applications:edit", "applications:recap"):
        page = applicant_client.get(reverse(name, args=[draft.pk])).content.decode()
        assert 'id="call-shut"' not in page and 'id="submit-unavailable"' not in page
