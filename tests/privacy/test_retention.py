"""apply_retention: drafts warned once then deleted, unsuccessful applications anonymised."""

import dataclasses
import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from pollen import clock
from pollen.applications import services as application_services
from pollen.applications.models import Application, Document, Submission, private_storage
from pollen.audit.models import AuditEvent
from pollen.calls.models import Call
from pollen.domain.apply.calls import RetentionSpec
from pollen.mailing.models import OutgoingMail
from pollen.privacy.models import Anonymisation, DraftWarning, RetentionRun
from pollen.privacy.selectors import months_before
from tests.builders import eligible_budget, eligible_draft, organisation_for
from tests.grants.helpers import submitted_application

pytestmark = pytest.mark.django_db

PARIS = clock.PARIS
DECIDED = dt.datetime(2013, 10, 15, 18, 0, tzinfo=PARIS)


@pytest.fixture
def draft(call_2013, personas):
    """Untouched since 5 July 2013 (ten days after the call opened)."""
    organisation_for(personas["applicant"])
    return eligible_draft(call_2013, personas["applicant"])


@pytest.fixture
def rejected(call_2013, personas):
    application = submitted_application(
        call_2013, personas["applicant_b"], siret="44306184100047", commune="29019"
    )
    Application.objects.filter(pk=application.pk).update(summary="Le projet de Jeanne Dupont")
    with clock.override(DECIDED):
        return application_services.record_decision(
            acting_user=personas["committee"],
            application=application,
            status="rejected",
            reason="Score insuffisant",
        )


def retention(moment: dt.datetime, *args: str) -> str:
    out = StringIO()
    with clock.override(moment):
        call_command("apply_retention", *args, stdout=out)
    return out.getvalue()


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_months_before_keeps_the_day_or_takes_the_months_last():
    assert months_before(dt.datetime(2014, 1, 5, tzinfo=PARIS), 6).date() == dt.date(2013, 7, 5)
    assert months_before(dt.datetime(2014, 8, 31, tzinfo=PARIS), 6).date() == dt.date(2014, 2, 28)


def test_a_dry_run_prints_the_plan_and_changes_nothing(draft, rejected):
    before = (AuditEvent.objects.count(), OutgoingMail.objects.count())
    out = retention(dt.datetime(2016, 1, 1, tzinfo=PARIS), "--dry-run")
    assert "rien n'est modifié" in out
    assert f"avertir : candidature {draft.pk} (fablabs-2013)" in out
    assert f"anonymiser : candidature {rejected.pk} (fablabs-2013)" in out
    assert "1 avertissement(s), 0 brouillon(s) à supprimer, 1 candidature(s) à anonymiser" in out
    assert (AuditEvent.objects.count(), OutgoingMail.objects.count()) == before
    assert not DraftWarning.objects.exists() and not RetentionRun.objects.exists()
    assert Application.objects.get(pk=rejected.pk).summary == "Le projet de Jeanne Dupont"
    assert Application.objects.filter(pk=draft.pk).exists()
    assert "Jeanne" not in out and "applicant" not in out  # ids only: the output reaches logs


def test_the_warning_mail_is_queued_once_fifteen_days_before(draft, personas):
    assert "0 avertissement(s)" in retention(dt.datetime(2013, 12, 19, tzinfo=PARIS))
    retention(dt.datetime(2013, 12, 22, tzinfo=PARIS))
    retention(dt.datetime(2013, 12, 23, tzinfo=PARIS))
    mails = OutgoingMail.objects.filter(recipient=personas["applicant"].email)
    assert mails.filter(subject__contains="sera bientôt supprimé").count() == 1
    mail = mails.get(subject__contains="sera bientôt supprimé")
    assert "Équiper le fablab" in mail.body and "après le 6 janvier 2014 à 00:00" in mail.body
    assert events("retention.draft_warned") == 1
    assert DraftWarning.objects.count() == 1


def test_the_warning_mail_is_in_the_language_the_owner_chose(draft, personas):
    owner = personas["applicant"]
    owner.language = "en"
    owner.save(update_fields=["language"])
    retention(dt.datetime(2013, 12, 23, tzinfo=PARIS))
    mail = OutgoingMail.objects.get(recipient=owner.email)
    assert mail.subject == "Your draft “Équiper le fablab” will soon be deleted"
    assert "after 7 January 2014 at 00:00" in mail.body and "Bonjour" not in mail.body


def test_a_warned_draft_is_deleted_with_its_files_once_the_notice_is_over(
    draft, django_capture_on_commit_callbacks
):
    files = [d.file.name for d in draft.documents.all()]
    assert files and all(private_storage.exists(f) for f in files)
    retention(dt.datetime(2014, 1, 1, tzinfo=PARIS))  # warned: deletion after 16 January
    retention(dt.datetime(2014, 1, 10, tzinfo=PARIS))  # six months are over, the notice is not
    assert Application.objects.filter(pk=draft.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        out = retention(dt.datetime(2014, 1, 17, tzinfo=PARIS))
    assert "1 brouillon(s) supprimé(s)" in out
    assert not Application.objects.filter(pk=draft.pk).exists()
    assert not Document.objects.filter(application_id=draft.pk).exists()
    assert not any(private_storage.exists(f) for f in files)
    event = AuditEvent.objects.get(action="retention.draft_deleted")
    assert event.object_id == str(draft.pk) and event.actor is None
    assert event.before["documents"] == len(files)


def test_a_draft_edited_after_its_warning_is_kept_and_warned_again_later(draft, personas):
    retention(dt.datetime(2014, 1, 1, tzinfo=PARIS))
    with clock.override(dt.datetime(2014, 1, 2, tzinfo=PARIS)):
        application_services.save_draft(
            acting_user=personas["applicant"],
            application=draft,
            title="Toujours là",
            summary="",
            kind="improvement",
            budget=eligible_budget(),
        )
    retention(dt.datetime(2014, 2, 1, tzinfo=PARIS))
    assert Application.objects.filter(pk=draft.pk).exists()
    retention(dt.datetime(2014, 6, 20, tzinfo=PARIS))
    assert DraftWarning.objects.filter(application_id=draft.pk).count() == 2


def test_an_unsuccessful_application_is_anonymised_after_the_period(
    rejected, draft, django_capture_on_commit_callbacks
):
    files = [d.file.name for d in rejected.documents.all()]
    amount = rejected.requested_amount
    commune = rejected.organisation.commune_id
    retention(dt.datetime(2015, 10, 14, tzinfo=PARIS))  # 24 months after the decision: not yet
    assert not Anonymisation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        out = retention(dt.datetime(2015, 10, 16, tzinfo=PARIS))
    assert "1 anonymisation(s)" in out
    application = Application.objects.get(pk=rejected.pk)
    assert application.title == f"Candidature anonymisée n° {rejected.pk}"
    assert application.summary == ""
    assert not application.documents.exists()
    assert files and not any(private_storage.exists(f) for f in files)
    assert application.requested_amount == amount == Decimal("70000.00")
    assert application.organisation.commune_id == commune
    assert application.status == "rejected"
    assert {line.label for line in application.resource_lines.all()} <= {
        "Subvention demandée",
        "Financement public",
    }
    submission = Submission.objects.get(application=application)
    assert submission.snapshot == "" and len(submission.snapshot_sha256) == 64
    assert events("retention.application_anonymised") == 1
    run = RetentionRun.objects.first()  # the latest; every run is recorded, even an idle one
    assert run is not None
    assert run.counts["anonymised"] == 1
    assert AuditEvent.objects.filter(action="retention.run", object_id=str(run.pk)).exists()
    # The receipts still verify: the anonymised one is counted apart, not as a fault.
    verified = StringIO()
    call_command("verify_receipts", stdout=verified)
    assert "0 écart(s)" in verified.getvalue() and "anonymisée" in verified.getvalue()
    # Run again: nothing more to do.
    retention(dt.datetime(2015, 10, 17, tzinfo=PARIS))
    assert events("retention.application_anonymised") == 1


def test_a_blanked_snapshot_without_an_anonymisation_is_a_fault(rejected):
    Submission.objects.filter(application=rejected).update(snapshot="")
    with pytest.raises(SystemExit):
        call_command("verify_receipts", stdout=StringIO())


def test_the_call_file_sets_the_periods(call_2013, draft, monkeypatch):
    shorter = dataclasses.replace(
        call_2013.spec, retention=RetentionSpec(drafts_deleted_after_months=1)
    )
    monkeypatch.setattr(Call, "spec", property(lambda self: shorter))
    out = retention(dt.datetime(2013, 8, 1, tzinfo=PARIS), "--dry-run")
    assert f"avertir : candidature {draft.pk}" in out


def test_old_copies_of_sent_mails_are_deleted(personas):
    sent = dt.datetime(2014, 1, 1, tzinfo=PARIS)
    OutgoingMail.objects.create(
        recipient="x@test.example",
        subject="s",
        body="b",
        created_at=sent,
        next_attempt_at=sent,
        sent_at=sent,
    )
    retention(sent + dt.timedelta(days=89))
    assert OutgoingMail.objects.count() == 1
    out = retention(sent + dt.timedelta(days=91))
    assert "1 copie(s) de courriel effacée(s)" in out
    assert not OutgoingMail.objects.exists()
