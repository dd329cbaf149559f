"""Every change to an application goes through here: atomic, audited, mail queued with it."""

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pollen import clock, events, sql
from pollen.accounts.models import Organisation, User
from pollen.applications import adapters, selectors
from pollen.applications.documents import EXTENSIONS, inspect_upload
from pollen.applications.models import (
    Application,
    Document,
    ExpenseLine,
    ResourceLine,
    Submission,
)
from pollen.audit.services import record_event
from pollen.calls.models import Call
from pollen.domain.apply import budget as domain_budget
from pollen.domain.apply import status as states
from pollen.domain.apply.eligibility import EligibilityResult
from pollen.domain.apply.exchange import to_exchange
from pollen.domain.apply.receipts import canonical_json, receipt_number, sha256_hex
from pollen.formatting import format_moment
from pollen.mailing.services import queue_mail_for
from pollen.permissions import require
from pollen.storage import StorageUnavailable, delete_quietly, storage_errors

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A refused change; the message, in the acting person's language, is meant for them."""


class ApplicationNotFound(ApplicationError):
    """The application does not exist, or the acting user may not see it (a 404, not a 403)."""


class SubmissionForbidden(ApplicationError):
    """The acting user sees the application but may not submit it."""


class SubmissionRefused(ApplicationError):
    def __init__(self, message: str, result: EligibilityResult | None = None):
        super().__init__(message)
        self.result = result


class DocumentNotStored(ApplicationError):
    """The document storage failed: nothing was stored, the applicant is asked to retry."""


@dataclass(frozen=True)
class SubmitOutcome:
    submission: Submission
    created: bool


def _state(application: Application) -> dict[str, Any]:
    data = to_exchange(adapters.record_of(application))
    data["status"] = application.status
    return data


def refresh_eligibility(application: Application) -> EligibilityResult:
    """Recompute the cached verdict and totals used by lists and filters."""
    result = adapters.check(application, clock.now())
    figures = domain_budget.figures(
        adapters.budget_of(application), application.call.spec.investment_categories
    )
    application.eligible = result.eligible
    application.failed_rules = list(result.failed)
    application.requested_amount = figures.subsidy
    application.total_expenses = figures.total_expenses
    application.save(
        update_fields=["eligible", "failed_rules", "requested_amount", "total_expenses"]
    )
    return result


@transaction.atomic
def create_application(
    *,
    acting_user: User,
    call: Call,
    organisation: Organisation,
    title: str,
    kind: str,
    summary: str = "",
) -> Application:
    """A new draft of the applicant's own organisation, while the call is open."""
    require(selectors.can_create(acting_user, organisation))
    if not call.spec.is_open_at(clock.now()):
        raise ApplicationError(
            _("Cet appel n'est pas ouvert : il n'accepte pas de nouvelle candidature.")
        )
    return _create(acting_user, call, organisation, title, kind, summary)


def _create(
    acting_user: User, call: Call, organisation: Organisation, title: str, kind: str, summary: str
) -> Application:
    now = clock.now()
    application = Application.objects.create(
        call=call,
        organisation=organisation,
        created_by=acting_user,
        title=title,
        kind=kind,
        summary=summary,
        created_at=now,
        updated_at=now,
    )
    refresh_eligibility(application)
    record_event(
        actor=acting_user, action="application.created", obj=application, after=_state(application)
    )
    return application


def _ensure_editable(application: Application) -> None:
    if not (state := application.allows(states.EDIT)):
        raise ApplicationError(state.reason)


def _next_status(application: Application, event: str) -> str:
    """Where the event leads, or ApplicationError with the reason the lifecycle gives."""
    if not (state := application.allows(event)):
        raise ApplicationError(state.reason)
    return states.APPLICATION.next_status(application.status, event)


@transaction.atomic
def save_draft(
    *,
    acting_user: User,
    application: Application,
    title: str,
    summary: str,
    kind: str,
    budget: domain_budget.Budget,
) -> Application:
    """Replace the project fields and budget lines; one audit event with before and after."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    require(selectors.can_edit(acting_user, application))
    return _write_draft(acting_user, application, title, summary, kind, budget)


@transaction.atomic
def import_draft(
    *,
    acting_user: User,
    call: Call,
    organisation: Organisation,
    title: str,
    summary: str,
    kind: str,
    budget: domain_budget.Budget,
) -> Application:
    """A past or paper application entered by the staff, as a draft, whatever the call's dates."""
    require(selectors.can_import(acting_user, call))
    application = _create(acting_user, call, organisation, title, kind, summary)
    return _write_draft(acting_user, application, title, summary, kind, budget)


def _write_draft(
    acting_user: User,
    application: Application,
    title: str,
    summary: str,
    kind: str,
    budget: domain_budget.Budget,
) -> Application:
    _ensure_editable(application)
    before = _state(application)
    application.title, application.summary, application.kind = title, summary, kind
    application.updated_at = clock.now()
    application.save()
    application.expense_lines.all().delete()
    application.resource_lines.all().delete()
    ExpenseLine.objects.bulk_create(
        ExpenseLine(
            application=application, position=i, label=e.label, category=e.category, amount=e.amount
        )
        for i, e in enumerate(budget.expenses)
    )
    ResourceLine.objects.bulk_create(
        ResourceLine(
            application=application,
            position=i,
            label=r.label,
            kind=r.kind,
            status=r.status,
            amount=r.amount,
        )
        for i, r in enumerate(budget.resources)
    )
    refresh_eligibility(application)
    after = _state(application)
    if after != before:
        record_event(
            actor=acting_user,
            action="application.edited",
            obj=application,
            before=before,
            after=after,
        )
    return application


def add_document(
    *, acting_user: User, application: Application, doc_type: str, upload: UploadedFile[bytes]
) -> Document:
    # The content is checked and stored before the transaction: an antivirus scan or an upload
    # to a bucket may take seconds and must hold neither the application's row lock nor
    # SQLite's write lock meanwhile.
    require(selectors.can_edit(acting_user, application))
    if doc_type not in {d.id for d in application.call.spec.documents}:
        raise ApplicationError(_("Cette pièce n'est pas demandée par l'appel."))
    content_type = inspect_upload(upload)  # raises DocumentRejected with its reason
    document = _stored_document(
        acting_user=acting_user,
        application=application,
        doc_type=doc_type,
        upload=upload,
        content_type=content_type,
    )
    try:
        return _record_document(acting_user=acting_user, document=document)
    except BaseException:
        # No object without its row: a refusal on the locked row or a failed write (or commit)
        # removes what was stored.
        delete_quietly(document.file.storage, document.file.name or "")
        raise


def _stored_document(
    *,
    acting_user: User,
    application: Application,
    doc_type: str,
    upload: UploadedFile[bytes],
    content_type: str,
) -> Document:
    """The unsaved row, its file stored (and so acknowledged by the storage) under its name."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = Document(
        application=application,
        doc_type=doc_type,
        original_name=(upload.name or "document")[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=acting_user,
    )
    # The uploaded name is only displayed; document_path names the stored object.
    try:
        with storage_errors():
            document.file.save(f"{doc_type}.{EXTENSIONS[content_type]}", upload, save=False)
    except StorageUnavailable as exc:
        logger.error("document storage failed at upload: %s", exc)
        raise DocumentNotStored(
            _(
                "Le stockage des documents ne répond pas : votre fichier n'a pas été "
                "enregistré, réessayez dans un instant."
            )
        ) from exc
    return document


@transaction.atomic
def _record_document(*, acting_user: User, document: Document) -> Document:
    application = Application.objects.select_for_update(of=("self",)).get(
        pk=document.application_id
    )
    require(selectors.can_edit(acting_user, application))  # again, on the locked row
    document.application = application
    document.uploaded_at = clock.now()
    document.save()
    refresh_eligibility(application)
    record_event(
        actor=acting_user,
        action="document.added",
        obj=application,
        after={
            "document": document.pk,
            "doc_type": document.doc_type,
            "sha256": document.sha256,
            "size": document.size,
        },
    )
    return document


@transaction.atomic
def remove_document(*, acting_user: User, document: Document) -> None:
    application = Application.objects.select_for_update(of=("self",)).get(
        pk=document.application_id
    )
    require(selectors.can_edit(acting_user, application))
    document.removed_at = clock.now()
    document.save(update_fields=["removed_at"])
    refresh_eligibility(application)
    record_event(
        actor=acting_user,
        action="document.removed",
        obj=application,
        before={"document": document.pk, "doc_type": document.doc_type, "sha256": document.sha256},
    )


def _announce(submission: Submission) -> None:
    """The "application.submitted" event (the API's webhooks subscribe to it)."""
    events.publish(
        "application.submitted",
        obj=submission.application,
        payload={
            "receipt": submission.receipt_number,
            "round": submission.round,
            "submitted_at": submission.submitted_at.isoformat(),
            "sha256": submission.snapshot_sha256,
        },
    )


def _queue_receipt_mail(submission: Submission, application: Application, user: User) -> None:
    def compose() -> tuple[str, str]:
        subject = _("Accusé de réception %(number)s") % {"number": submission.receipt_number}
        body = _(
            "Bonjour,\n\nVotre candidature « %(title)s » a bien été déposée le "
            "%(when)s (heure de Paris).\n"
            "Numéro : %(number)s\nEmpreinte SHA-256 : %(sha256)s\n"
        ) % {
            "title": application.title,
            "when": format_moment(submission.submitted_at, "second"),
            "number": submission.receipt_number,
            "sha256": submission.snapshot_sha256,
        }
        return subject, body

    # In the language the applicant chose, whatever the page it was submitted from.
    queue_mail_for(readers=[user], compose=compose)


def submit_application(
    *, acting_user: User, application_id: int, sworn_statement: str = ""
) -> SubmitOutcome:
    """Freeze and acknowledge a submission; retries and double clicks get the same receipt.

    `sworn_statement` is the text the applicant certified (the recap's checkbox): the audit
    event keeps it, so that the submission shows what was sworn and in which version."""
    try:
        # One round trip for the reads, one for the writes, then the commit (sql.together).
        with transaction.atomic(), sql.together():
            # Access is checked on the locked row itself: one read of the application, not two.
            application, contents = selectors.submission_inputs(application_id)
            if application is None or not selectors.can_view(acting_user, application):
                raise ApplicationNotFound(_("Candidature introuvable."))
            if not (decision := selectors.can_submit(acting_user, application)):
                raise SubmissionForbidden(decision.reason)
            if not application.is_editable:
                # Already submitted in this round (a retry, a double click): the same receipt.
                existing = Submission.objects.filter(
                    application=application, round=application.round
                ).first()
                if existing is not None:
                    return SubmitOutcome(existing, created=False)
                _ensure_editable(application)
            # The server's clock inside the transaction decides whether it is on time.
            moment = clock.now()
            result = adapters.check(application, moment, submitted=True, contents=contents)
            if not result.eligible:
                raise SubmissionRefused(
                    _("La candidature ne respecte pas toutes les règles de l'appel."), result
                )
            snapshot = canonical_json(
                adapters.snapshot_of(application, moment, application.round, contents)
            )
            submission = Submission(
                application=application,
                round=application.round,
                submitted_at=moment,
                submitted_by=acting_user,
                snapshot=snapshot,
                snapshot_sha256=sha256_hex(snapshot),
                receipt_number=receipt_number(
                    application.call.slug, application.pk, application.round
                ),
                call_version=application.call.version,
                call_sha256=application.call.source_sha256,
            )
            # The deadline's writes go through plain SQL statements too (pollen/sql.py).
            sql.insert(submission)
            before_status = application.status
            application.status = _next_status(application, states.SUBMIT)
            application.eligible, application.failed_rules = True, []
            sql.update(application, ["status", "eligible", "failed_rules"])
            record_event(
                actor=acting_user,
                action="application.submitted",
                obj=application,
                before={"status": before_status},
                after={
                    "status": application.status,
                    "receipt": submission.receipt_number,
                    "sha256": submission.snapshot_sha256,
                    "sworn": bool(sworn_statement),
                    "sworn_statement": sworn_statement,
                },
            )
            _queue_receipt_mail(submission, application, acting_user)
            _announce(submission)
            return SubmitOutcome(submission, created=True)
    except IntegrityError:
        # A concurrent request won the race for this round: hand back its receipt.
        application = Application.objects.get(pk=application_id)
        return SubmitOutcome(
            Submission.objects.get(application=application, round=application.round), False
        )


@transaction.atomic
def reopen_application(*, acting_user: User, application: Application, message: str) -> Application:
    """An instructor sends a submitted application back for corrections: a new round opens."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    require(selectors.can_reopen(acting_user, application))
    before = {"status": application.status, "round": application.round}
    application.status = _next_status(application, states.REOPEN)
    application.round += 1
    application.updated_at = clock.now()
    application.save(update_fields=["status", "round", "updated_at"])
    record_event(
        actor=acting_user,
        action="application.reopened",
        obj=application,
        before=before,
        after={"status": application.status, "round": application.round},
        note=message,
    )
    return application


@transaction.atomic
def mark_complete(*, acting_user: User, application: Application, note: str = "") -> Application:
    """An instructor finds a submitted application complete: it can go to the experts."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    require(selectors.can_instruct(acting_user, application))
    before = application.status
    application.status = _next_status(application, states.MARK_COMPLETE)
    application.updated_at = clock.now()
    application.save(update_fields=["status", "updated_at"])
    record_event(
        actor=acting_user,
        action="application.completed",
        obj=application,
        before={"status": before, "round": application.round},
        after={"status": application.status, "round": application.round},
        note=note,
    )
    return application


@transaction.atomic
def record_decision(
    *, acting_user: User, application: Application, status: str, reason: str
) -> Application:
    """The committee's decision on a submitted or complete application, with its reason."""
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    require(selectors.can_decide(acting_user, application))
    if status not in states.DECISIONS:
        raise ApplicationError(_("Décision inconnue."))
    before = application.status
    application.status = _next_status(application, states.DECISIONS[status])
    application.updated_at = clock.now()
    application.save(update_fields=["status", "updated_at"])
    record_event(
        actor=acting_user,
        action="application.decided",
        obj=application,
        before={"status": before},
        after={"status": status},
        note=reason,
    )
    return application
