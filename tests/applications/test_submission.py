"""Submission: exact deadline, one receipt per round whatever the retries, receipts that can be verified."""

import datetime as dt
import json
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from pollen import clock
from pollen.applications import services
from pollen.applications.models import Application, Status, Submission
from pollen.audit.models import AuditEvent
from pollen.domain.apply.receipts import sha256_hex
from tests.builders import eligible_draft, organisation_for

PARIS = clock.PARIS
CLOSES = dt.datetime(2013, 9, 13, 23, 59, 59, 999999, tzinfo=PARIS)


@pytest.fixture
def draft(call_2013, personas):
    organisation_for(personas["applicant"])
    return eligible_draft(call_2013, personas["applicant"])


@pytest.mark.parametrize(
    ("moment", "accepted"),
    [
        (CLOSES - dt.timedelta(microseconds=1), True),
        (CLOSES, True),
        (CLOSES + dt.timedelta(microseconds=1), False),
        (dt.datetime(2013, 9, 13, 21, 59, 59, 999998, tzinfo=dt.UTC), True),
        (dt.datetime(2013, 9, 13, 21, 59, 59, 999999, tzinfo=dt.UTC), True),
        (dt.datetime(2013, 9, 13, 22, 0, 0, tzinfo=dt.UTC), False),
    ],
)
def test_it_decides_on_time_with_the_server_clock_inside_the_transaction(
    draft, personas, moment, accepted
):
    with clock.override(moment):
        if accepted:
            outcome = services.submit_application(
                acting_user=personas["applicant"], application_id=draft.pk
            )
            assert outcome.created and outcome.submission.submitted_at == moment
        else:
            with pytest.raises(services.SubmissionRefused) as refused:
                services.submit_application(
                    acting_user=personas["applicant"], application_id=draft.pk
                )
            assert refused.value.result.failed == ("deadline",)
    assert Submission.objects.filter(application=draft).count() == (1 if accepted else 0)
    assert Application.objects.get(pk=draft.pk).status == (
        Status.SUBMITTED if accepted else Status.DRAFT
    )


def test_it_returns_the_same_receipt_to_a_retry(draft, personas):
    with clock.override(CLOSES - dt.timedelta(hours=1)):
        first = services.submit_application(
            acting_user=personas["applicant"], application_id=draft.pk
        )
    with clock.override(
        CLOSES + dt.timedelta(hours=1)
    ):  # a retry after the deadline still gets its receipt
        second = services.submit_application(
            acting_user=personas["applicant"], application_id=draft.pk
        )
    assert first.created and not second.created
    assert first.submission.pk == second.submission.pk
    assert AuditEvent.objects.filter(action="application.submitted").count() == 1


def test_it_refuses_a_submission_while_a_rule_fails(call_2013, personas):
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"], with_documents=False)
    with (
        clock.override(CLOSES - dt.timedelta(days=1)),
        pytest.raises(services.SubmissionRefused) as refused,
    ):
        services.submit_application(acting_user=personas["applicant"], application_id=draft.pk)
    assert refused.value.result.failed == ("documents_complete",)
    assert not Submission.objects.exists()


def test_the_snapshot_is_canonical_and_holds_each_document_hash(draft, personas):
    with clock.override(CLOSES - dt.timedelta(days=1)):
        submission = services.submit_application(
            acting_user=personas["applicant"], application_id=draft.pk
        ).submission
    snapshot = json.loads(submission.snapshot)
    assert sha256_hex(submission.snapshot) == submission.snapshot_sha256
    assert {d["doc_type"] for d in snapshot["document_files"]} == {
        "statuts",
        "rib",
        "budget_detail",
        "cofunding_letters",
    }
    assert all(len(d["sha256"]) == 64 for d in snapshot["document_files"])
    assert snapshot["budget"]["resources"][0] == {
        "label": "Subvention demandée",
        "kind": "requested_subsidy",
        "status": "requested",
        "amount_eur": "70000.00",
    }
    assert submission.receipt_number == f"FABLABS-2013-{draft.pk:06d}-1"


def test_verify_receipts_finds_a_tampered_snapshot_and_a_changed_document(draft, personas):
    with clock.override(CLOSES - dt.timedelta(days=1)):
        submission = services.submit_application(
            acting_user=personas["applicant"], application_id=draft.pk
        ).submission
    out = StringIO()
    call_command("verify_receipts", stdout=out)
    assert "1 accusé(s) de réception vérifié(s), 0 écart(s)" in out.getvalue()

    document = draft.documents.first()
    storage = document.file.storage  # the folder or the bucket: through the storage API alike
    with storage.open(document.file.name, "rb") as handle:
        original = handle.read()
    storage.delete(document.file.name)
    assert storage.save(document.file.name, ContentFile(original + b"tampered")) == (
        document.file.name
    )
    Submission.objects.filter(pk=submission.pk).update(
        snapshot=submission.snapshot.replace("70000.00", "70000.01")
    )
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("verify_receipts", stdout=out)
    assert exited.value.code == 1
    assert "ne correspond plus à son empreinte" in out.getvalue()
    assert "a changé" in out.getvalue()


def test_an_instructor_reopens_and_the_applicant_resubmits_a_second_round(draft, personas):
    with clock.override(CLOSES - dt.timedelta(days=2)):
        services.submit_application(acting_user=personas["applicant"], application_id=draft.pk)
        services.reopen_application(
            acting_user=personas["instructor"], application=draft, message="RIB illisible"
        )
        reopened = Application.objects.get(pk=draft.pk)
        assert reopened.status == Status.CORRECTIONS and reopened.round == 2
        second = services.submit_application(
            acting_user=personas["applicant"], application_id=draft.pk
        )
    assert second.created and second.submission.round == 2
    event = AuditEvent.objects.get(action="application.reopened")
    assert event.actor == personas["instructor"] and event.note == "RIB illisible"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_submissions_make_one_submission_and_one_receipt(call_2013, personas):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers)")
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    results, errors = [], []
    barrier = threading.Barrier(50)

    def submit():
        try:
            barrier.wait()
            with clock.override(CLOSES - dt.timedelta(minutes=5)):
                results.append(
                    services.submit_application(
                        acting_user=personas["applicant"], application_id=draft.pk
                    )
                )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 50
    assert sum(r.created for r in results) == 1
    assert len({r.submission.pk for r in results}) == 1
    assert Submission.objects.filter(application=draft).count() == 1
    assert (
        AuditEvent.objects.filter(action="application.submitted", object_id=str(draft.pk)).count()
        == 1
    )


def test_verify_receipts_reads_documents_per_chunk_not_per_receipt(
    call_2013, personas, django_assert_max_num_queries
):
    organisation_for(personas["applicant"])
    for _ in range(8):
        draft = eligible_draft(call_2013, personas["applicant"])
        with clock.override(CLOSES - dt.timedelta(days=1)):
            services.submit_application(acting_user=personas["applicant"], application_id=draft.pk)
    out = StringIO()
    # Submissions, their applications, their documents: the same few queries for 8 receipts as
    # for 1 (one query per receipt would make 9).
    with django_assert_max_num_queries(5):
        call_command("verify_receipts", stdout=out)
    assert "8 accusé(s) de réception vérifié(s), 0 écart(s)" in out.getvalue()


def test_the_submission_reads_the_same_contents_as_the_orm(draft, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pollen.applications import adapters, selectors
    from pollen.applications.models import ExpenseLine
    from tests.builders import PDF

    # Odd amounts, a second document of one type, then a removed one: order and filters matter.
    ExpenseLine.objects.filter(application=draft).update(amount="12345.67")
    with clock.override(CLOSES - dt.timedelta(days=1)):
        extra = services.add_document(
            acting_user=personas["applicant"],
            application=draft,
            doc_type="rib",
            upload=SimpleUploadedFile("rib-2.pdf", PDF + b"second rib"),
        )
        services.remove_document(acting_user=personas["applicant"], document=extra)
        services.add_document(
            acting_user=personas["applicant"],
            application=draft,
            doc_type="rib",
            upload=SimpleUploadedFile("rib-3.pdf", PDF + b"third rib"),
        )
    through_orm = adapters.contents_of(Application.objects.get(pk=draft.pk))
    _, plain = selectors.submission_inputs(draft.pk)
    assert plain == through_orm
    assert [d.original_name for d in plain.documents].count("rib-3.pdf") == 1
    assert all(e.amount == Decimal("12345.67") for e in plain.budget.expenses)
    assert str(plain.budget.expenses[0].amount) == "12345.67"


def test_the_submission_reads_the_application_as_the_orm_does(draft):
    from pollen.accounts.models import Organisation
    from pollen.applications import selectors
    from tests.test_sql import typed_values

    through_orm = Application.objects.select_related(
        "call", "organisation", "organisation__commune"
    ).get(pk=draft.pk)
    plain, _ = selectors.submission_inputs(draft.pk)
    assert plain is not None
    for name in ("self", "call", "organisation", "organisation.commune"):
        left, right = plain, through_orm
        for part in name.split(".")[0 if name != "self" else 1 :]:
            left, right = getattr(left, part), getattr(right, part)
        assert typed_values(left) == typed_values(right), name
    assert selectors.submission_inputs(draft.pk + 1000)[0] is None
    # An organisation without a commune reads as one (the commune_known rule then fails).
    Organisation.objects.filter(pk=draft.organisation_id).update(commune=None)
    without, _ = selectors.submission_inputs(draft.pk)
    assert without is not None and without.organisation.commune is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_submission_locks_the_application_row_it_reads(call_2013, personas):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's (SQLite locks the whole database)")
    from django.db import DatabaseError, connections, transaction

    from pollen.applications import selectors

    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    held, release, outcome = threading.Event(), threading.Event(), []

    def submitter():
        try:
            with transaction.atomic():
                selectors.submission_inputs(draft.pk)
                held.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=submitter)
    thread.start()
    try:
        assert held.wait(10)
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                try:
                    cursor.execute(
                        "SELECT id FROM applications_application WHERE id = %s FOR UPDATE NOWAIT",
                        [draft.pk],
                    )
                except DatabaseError as exc:
                    outcome.append(exc)
                cursor.execute("ROLLBACK")
        finally:
            other.close()
    finally:
        release.set()
        thread.join()
    assert len(outcome) == 1  # the row was held by the submission's transaction
