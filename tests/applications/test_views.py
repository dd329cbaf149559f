"""The applicant's pages driven through the test client: autosave, bad input, uploads, submission."""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from pollen.applications.models import Application, Submission
from pollen.storage import is_bucket
from tests.builders import PDF, eligible_draft, organisation_for

SWORN = {"sworn": "on"}  # the recap's sworn statement, posted with the submission


def form_data(**overrides):
    data = {
        "title": "Équiper le fablab",
        "kind": "improvement",
        "summary": "",
        "subsidy": "70 000,00",
        "expenses-TOTAL_FORMS": "2",
        "expenses-INITIAL_FORMS": "0",
        "expenses-0-label": "Découpeuse laser",
        "expenses-0-category": "equipment",
        "expenses-0-amount": "80000",
        "expenses-1-label": "Animation",
        "expenses-1-category": "staff",
        "expenses-1-amount": "20 000,00",
        "resources-TOTAL_FORMS": "1",
        "resources-INITIAL_FORMS": "0",
        "resources-0-label": "Région",
        "resources-0-kind": "public",
        "resources-0-status": "acquired",
        "resources-0-amount": "30000.00",
    }
    data.update(overrides)
    return data


def test_an_applicant_creates_a_draft_from_the_call_page(applicant_client, during_call, call_2013):
    response = applicant_client.post(
        reverse("applications:new", args=["fablabs-2013"]),
        {"title": "Nouveau fablab", "kind": "creation", "summary": ""},
    )
    application = Application.objects.get(title="Nouveau fablab")
    assert response.url == reverse("applications:edit", args=[application.pk])


def test_autosave_saves_the_draft_and_returns_the_live_verdicts(
    applicant_client, during_call, call_2013, personas
):
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    response = applicant_client.post(
        reverse("applications:edit", args=[draft.pk]),
        form_data(subsidy="75 000,00", **{"resources-0-amount": "25000"}),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Brouillon enregistré" in html
    assert "elle ne peut dépasser 70\u202f000,00\u00a0€" in html  # 75 % of 100 000 €
    assert 'data-rule="subsidy_share" data-passed="false"' in html
    assert Application.objects.get(pk=draft.pk).requested_amount == 75000


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "ne peut pas être négatif"),
        ("abc", "« abc » n&#x27;est pas un montant en euros"),
        ("12,3456", "plus de deux décimales"),
        ("12,345", "Le montant 12,345 est ambigu"),
        ("100.000", "Le montant 100.000 est ambigu"),  # a hundred thousand, or a hundred?
        ("1.234.567,89", "sépare les milliers par un point ou une virgule"),
        ("1e309", "« 1e309 » n&#x27;est pas un montant en euros"),
        ("1e26", "« 1e26 » n&#x27;est pas un montant en euros"),
        ("NaN", "« NaN » n&#x27;est pas un montant en euros"),
        ("Infinity", "« Infinity » n&#x27;est pas un montant en euros"),
        ("1000000000000", "Le montant est trop grand"),
        ("99999999999", "Le montant est trop grand"),
    ],
)
def test_a_bad_amount_is_refused_at_its_field_and_nothing_typed_is_lost(
    applicant_client, during_call, call_2013, personas, amount, message
):
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    response = applicant_client.post(
        reverse("applications:edit", args=[draft.pk]),
        form_data(**{"expenses-1-amount": amount, "title": "Titre retapé"}),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'id="id_expenses-1-amount-error"' in html
    assert f'value="{amount}"' in html and 'value="Titre retapé"' in html
    assert Application.objects.get(pk=draft.pk).title == "Équiper le fablab"  # not saved half-way


def test_many_large_lines_are_refused_before_their_total_overflows(
    applicant_client, during_call, call_2013, personas
):
    """Each line fits its column, but 101 of them would not fit the stored total."""
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    lines = {"expenses-TOTAL_FORMS": "101"}
    for i in range(101):
        lines |= {
            f"expenses-{i}-label": f"Ligne {i}",
            f"expenses-{i}-category": "equipment",
            f"expenses-{i}-amount": "9 999 999 999,99",
        }
    response = applicant_client.post(
        reverse("applications:edit", args=[draft.pk]), form_data(**lines)
    )
    assert response.status_code == 200
    assert "Le total des dépenses est trop grand" in response.content.decode()
    assert Application.objects.get(pk=draft.pk).total_expenses == 100000


def test_an_upload_over_the_size_limit_is_refused_with_its_size(
    applicant_client, during_call, call_2013, personas, settings
):
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    big = SimpleUploadedFile("statuts.pdf", PDF + b"0" * (30 * 1024 * 1024))
    response = applicant_client.post(
        reverse("applications:upload", args=[draft.pk]),
        {"doc_type": "statuts", "file": big},
        follow=True,
    )
    html = response.content.decode()
    assert "30,0 Mo : la taille maximale est de 20,0 Mo" in html
    assert not draft.documents.exists()


def test_an_executable_renamed_pdf_is_refused(applicant_client, during_call, call_2013, personas):
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    elf = SimpleUploadedFile(
        "statuts.pdf", b"\x7fELF\x02\x01\x01" + b"\x00" * 200, content_type="application/pdf"
    )
    response = applicant_client.post(
        reverse("applications:upload", args=[draft.pk]),
        {"doc_type": "statuts", "file": elf},
        follow=True,
    )
    assert "quel que soit son nom" in response.content.decode()
    assert not draft.documents.exists()


def test_a_pdf_is_stored_outside_the_web_root_and_served_to_its_owner(
    applicant_client, during_call, call_2013, personas, settings
):
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    applicant_client.post(
        reverse("applications:upload", args=[draft.pk]),
        {"doc_type": "rib", "file": SimpleUploadedFile("mon rib.pdf", PDF)},
    )
    document = draft.documents.get()
    if not is_bucket(document.file.storage):  # else private objects: tests/storage
        assert str(settings.PRIVATE_MEDIA_ROOT) in document.file.path
    assert "mon rib" not in document.file.name
    response = applicant_client.get(reverse("applications:document", args=[draft.pk, document.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"


def test_submission_is_blocked_while_a_rule_fails_and_says_which(
    applicant_client, during_call, call_2013, personas
):
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    response = applicant_client.post(
        reverse("applications:submit", args=[draft.pk]), SWORN, follow=True
    )
    html = response.content.decode()
    assert "Dépôt refusé" in html and "Pièces manquantes" in html
    assert not Submission.objects.exists()


def test_a_complete_draft_is_submitted_and_the_receipt_downloads_as_pdf(
    applicant_client, during_call, call_2013, personas
):
    draft = eligible_draft(call_2013, personas["applicant"])
    response = applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    assert response.url == reverse("applications:receipt", args=[draft.pk, 1])
    page = applicant_client.get(response.url).content.decode()
    submission = Submission.objects.get()
    assert submission.snapshot_sha256 in page
    pdf = applicant_client.get(reverse("applications:receipt_pdf", args=[draft.pk, 1]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # A double click:
    again = applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    assert again.url == response.url and Submission.objects.count() == 1
    assert applicant_client.get(reverse("applications:edit", args=[draft.pk])).status_code == 302


def test_the_organisation_form_explains_a_wrong_siret_and_an_unknown_commune(
    client, territory, personas
):
    client.force_login(personas["applicant"])
    response = client.post(
        reverse("accounts:organisation"),
        {
            "legal_name": "Fablab",
            "siret": "73282932000075",
            "legal_form": "association",
            "commune": "Atlantide",
            "is_fablab": "on",
            "machines": ["laser_cutter"],
            "opening_hours": "Mo-Fr 10:00-18:00",
        },
    )
    html = response.content.decode()
    assert "clé de contrôle (Luhn)" in html
    assert "Commune inconnue : « Atlantide »" in html
    assert 'value="Fablab"' in html


# A valid organisation form but for its commune (the SIRET as people type it, with spaces).
ORGANISATION = {
    "legal_name": "Fablab",
    "siret": "732 829 320 00074",
    "legal_form": "association",
    "is_fablab": "on",
    "opening_hours": "",
}


def test_the_organisation_form_returns_only_to_a_page_of_pollen(client, territory, personas):
    client.force_login(personas["applicant"])
    data = {**ORGANISATION, "commune": "35238"}
    url = reverse("accounts:organisation")
    inside = client.post(f"{url}?next=/candidatures/", data)
    assert inside.status_code == 302 and inside.url == "/candidatures/"
    for elsewhere in ("https://hameconnage.example/", "//hameconnage.example/"):
        response = client.post(url + "?" + urlencode({"next": elsewhere}), data)
        assert response.status_code == 302 and response.url == reverse("dashboard:index")


@pytest.mark.parametrize(
    "url",
    [
        "/territoire/communes/recherche/?q=%00",
        "/territoire/communes/recherche/?commune=Ren%00nes&format=json",
        "/api/v1/awards?call=%00",
        "/lieux/?q%00=1",
    ],
)
def test_a_nul_character_in_the_address_is_a_bad_request_not_a_server_error(client, territory, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):  # the API answers JSON, as its OpenAPI document says
        assert "caractère NUL" in response.json()["detail"]
    else:
        assert "Requête invalide" in response.content.decode()


def test_the_organisation_form_accepts_a_postal_code_or_a_picked_commune(
    client, territory, personas
):
    client.force_login(personas["applicant"])
    client.post(reverse("accounts:organisation"), {**ORGANISATION, "commune": "29200"})
    personas["applicant"].refresh_from_db()
    assert personas["applicant"].organisation.commune_id == "29019"
    assert personas["applicant"].organisation.siret == "73282932000074"
    client.post(
        reverse("accounts:organisation"), {**ORGANISATION, "commune": "Quimper (29) — 29232"}
    )
    personas["applicant"].organisation.refresh_from_db()
    assert personas["applicant"].organisation.commune_id == "29232"


def test_commune_autocomplete_finds_by_name_and_postal_code(client, territory):
    by_name = client.get(
        reverse("territory:commune_search"), {"q": "quim", "format": "json"}
    ).json()
    by_postal = client.get(
        reverse("territory:commune_search"), {"q": "35000", "format": "json"}
    ).json()
    assert [c["code"] for c in by_name["results"]] == ["29232"]
    assert [c["code"] for c in by_postal["results"]] == ["35238"]


def test_commune_autocomplete_answers_the_field_htmx_sends(client, territory):
    html = client.get(reverse("territory:commune_search"), {"commune": "ren"}).content.decode()
    assert "Rennes (35) — 35238" in html


def test_commune_autocomplete_reads_whichever_field_htmx_names(client, territory):
    """The directory's "near" field: its own name and HX-Trigger-Name, no code run in the page."""
    html = client.get(
        reverse("territory:commune_search"), {"near": "quim"}, headers={"HX-Trigger-Name": "near"}
    ).content.decode()
    assert "Quimper (29) — 29232" in html


def test_a_submission_takes_a_bounded_number_of_queries(
    applicant_client,
    during_call,
    call_2013,
    personas,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    draft = eligible_draft(call_2013, personas["applicant"])
    # The session with its user, the locked application with its call and organisation (access
    # checked on it), three relations, the submission, the status, the audit event, the receipt
    # mail, the webhook deliveries, and the savepoint around it all: never more with more lines
    # or documents. The tasks enqueued after the commit (the receipt mail's) are counted in the
    # tests below: kept aside here, whatever the task backend.
    with django_capture_on_commit_callbacks() as after_commit, django_assert_max_num_queries(12):
        response = applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    assert response.status_code == 302 and Submission.objects.count() == 1
    assert after_commit  # the receipt mail waits for the commit


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_submission_waits_for_postgresql_five_times_not_once_per_statement(
    applicant_client, during_call, call_2013, personas, settings
):
    from django.db import connection

    from tests.roundtrips import counting_round_trips

    if connection.vendor != "postgresql":
        pytest.skip("round trips are counted in PostgreSQL's protocol")
    # The tasks (the receipt mail, the webhooks) are only recorded here: their enqueue after
    # the commit is counted in the next test.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    draft = eligible_draft(call_2013, personas["applicant"])
    # The session with its user (one ORM query), BEGIN, the four reads together, the five
    # writes together (submission, status, audit event, mail, webhook deliveries as one
    # INSERT … SELECT) when the pipeline ends, COMMIT. Thirteen before the pipeline; eight
    # with the ORM's writes, which the A/B run in docs/architecture.md turned down.
    with counting_round_trips() as trips:
        response = applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    assert response.status_code == 302 and Submission.objects.count() == 1
    assert trips == [5]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_worker_in_process")  # the enqueues are counted, not the runs
def test_with_the_database_task_queue_a_submission_waits_once_more_per_kind_of_task(
    applicant_client, during_call, call_2013, personas, settings
):
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from pollen import clock
    from pollen.api.models import WebhookEndpoint
    from tests.roundtrips import counting_round_trips

    if connection.vendor != "postgresql":
        pytest.skip("round trips are counted in PostgreSQL's protocol")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for n in range(3):
        WebhookEndpoint.objects.create(
            url=f"https://h{n}.example/", secret="s", created_at=clock.now()
        )
    draft = eligible_draft(call_2013, personas["applicant"])
    # After the commit: the receipt mail's task, then the three webhooks' tasks, one each.
    with counting_round_trips() as trips:
        response = applicant_client.post(reverse("applications:submit", args=[draft.pk]), SWORN)
    assert response.status_code == 302 and Submission.objects.count() == 1
    assert trips == [5 + 1 + 3]
    assert DBTaskResult.objects.count() == 1 + 3


def test_the_application_page_shows_labels_never_codes(client, call_2013, personas):
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    client.force_login(personas["applicant"])
    html = client.get(reverse("applications:detail", args=[draft.pk])).content.decode()
    for label in ("Équipement et machines", "Personnel", "Financement public", "Acquis"):
        assert label in html or escape(label) in html, label
    assert "Statuts de la structure porteuse" in html
    for code in (">equipment<", ">staff<", ">public<", ">acquired<", "— statuts<"):
        assert code not in html, code
