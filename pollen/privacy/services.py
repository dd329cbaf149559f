"""Writes about personal data: retention (warn, delete, anonymise) and closing an account.

Each change of state is atomic and writes one audit event; the events name objects and counts,
never the personal data being removed (the audit trail is append-only and outlives it).
"""

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.models import Session, User
from pollen.api.models import ApiToken
from pollen.applications.models import (
    RESOURCE_KINDS,
    Application,
    Document,
    ExpenseLine,
    ResourceLine,
    Status,
    Submission,
    private_storage,
)
from pollen.audit.services import record_event
from pollen.expertise.models import Review
from pollen.formatting import format_moment
from pollen.instruction.models import Message
from pollen.jam.models import Participant
from pollen.mailing.models import OutgoingMail
from pollen.mailing.services import queue_mail_for
from pollen.permissions import Decision, require
from pollen.privacy import selectors
from pollen.privacy.models import Anonymisation, DraftWarning, RetentionRun
from pollen.selection.models import Decision as CommitteeDecision
from pollen.storage import delete_quietly

logger = logging.getLogger(__name__)

ANONYMOUS_TITLE = "Candidature anonymisée"


def _delete_files(names: list[str]) -> None:
    """After the commit: a rolled-back deletion must find its files still there."""

    def delete() -> None:
        for name in names:
            # The folder or the bucket: a failure is logged, the retention run goes on.
            if not delete_quietly(private_storage, name):
                logger.warning("retention: a document file could not be deleted")

    transaction.on_commit(delete)


@transaction.atomic
def warn_draft_owner(
    *, acting_user: User | None, application: Application, deletion_after: dt.datetime
) -> DraftWarning | None:
    """Queue the mail announcing a draft's deletion, once per untouched state of the draft."""
    require(selectors.can_apply_retention(acting_user))
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    warning, created = DraftWarning.objects.get_or_create(
        application=application,
        draft_updated_at=application.updated_at,
        defaults={"warned_at": clock.now()},
    )
    if not created:
        return None
    owner = application.created_by
    if owner.is_active:

        def compose() -> tuple[str, str]:
            subject = _("Votre brouillon « %(title)s » sera bientôt supprimé") % {
                "title": application.title
            }
            body = _(
                "Bonjour,\n\nVotre brouillon de candidature « %(title)s » n'a pas été modifié "
                "depuis le %(since)s. Conformément aux règles de conservation de l'appel, il sera "
                "supprimé, avec ses pièces, après le %(when)s.\n\nPour le garder, il suffit de "
                "l'ouvrir et de l'enregistrer, ou de le déposer.\n"
            ) % {
                "title": application.title,
                "since": format_moment(application.updated_at, "minute"),
                "when": format_moment(deletion_after, "minute"),
            }
            return subject, body

        # In the language the owner chose (accounts.User.language).
        queue_mail_for(readers=[owner], compose=compose)
    record_event(
        actor=acting_user,
        action="retention.draft_warned",
        obj=application,
        after={"deletion_after": deletion_after.isoformat(), "mailed": owner.is_active},
    )
    return warning


def _remove_draft(acting_user: User | None, application: Application, action: str) -> None:
    """Delete a never-submitted application, its lines, documents and files; one event."""
    names = [d.file.name for d in application.documents.all() if d.file.name]
    record_event(
        actor=acting_user,
        action=action,
        obj=application,
        before={
            "call": application.call_id,
            "status": application.status,
            "updated_at": application.updated_at.isoformat(),
            "documents": len(names),
        },
    )
    application.delete()
    _delete_files(names)


@transaction.atomic
def delete_draft(*, acting_user: User | None, application: Application) -> bool:
    """Retention: an untouched draft whose owner was warned, deleted with its documents."""
    require(selectors.can_apply_retention(acting_user))
    seen = application.updated_at
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.updated_at != seen or application.status != Status.DRAFT:
        return False  # touched or submitted since the plan was read: it stays
    _remove_draft(acting_user, application, "retention.draft_deleted")
    return True


@transaction.atomic
def anonymise_application(
    *, acting_user: User | None, application: Application, reason: str = "unsuccessful"
) -> Anonymisation:
    """Remove an application's personal data and free text; amounts, status and commune stay.

    The receipts keep their number and SHA-256 (what they vouched for can still be matched by
    whoever holds a copy) but lose the frozen copy, which held the names and texts.
    """
    require(selectors.can_apply_retention(acting_user))
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call")
        .get(pk=application.pk)
    )
    existing = Anonymisation.objects.filter(application=application).first()
    if existing is not None:
        return existing
    expenses = list(application.expense_lines.all())
    for expense in expenses:
        expense.label = application.call.spec.category_label(expense.category)
    ExpenseLine.objects.bulk_update(expenses, ["label"])
    kinds = dict(RESOURCE_KINDS)
    resources = list(application.resource_lines.all())
    for resource in resources:
        resource.label = str(kinds.get(resource.kind, resource.kind))
    ResourceLine.objects.bulk_update(resources, ["label"])
    documents = list(application.documents.all())
    names = [d.file.name for d in documents if d.file.name]
    Document.objects.filter(application=application).delete()
    receipts = Submission.objects.filter(application=application).update(snapshot="")
    Message.objects.filter(application=application).update(body="")
    Review.objects.filter(assignment__application=application).update(comments="")
    CommitteeDecision.objects.filter(application=application).update(letter_pdf=b"")
    application.title = f"{ANONYMOUS_TITLE} n° {application.pk}"
    application.summary = ""
    application.updated_at = clock.now()
    application.save(update_fields=["title", "summary", "updated_at"])
    done = Anonymisation.objects.create(
        application=application, anonymised_at=application.updated_at, reason=reason
    )
    record_event(
        actor=acting_user,
        action="retention.application_anonymised",
        obj=application,
        after={
            "reason": reason,
            "status": application.status,
            "documents": len(names),
            "receipts": receipts,
        },
    )
    _delete_files(names)
    return done


@transaction.atomic
def record_run(*, acting_user: User | None, counts: dict[str, int]) -> RetentionRun:
    """The run's summary, and the deletion of old copies of sent mails (counted in it)."""
    require(selectors.can_apply_retention(acting_user))
    now = clock.now()
    mails, _detail = selectors.sent_mails_to_delete(now).delete()
    run = RetentionRun.objects.create(ran_at=now, counts={**counts, "sent_mails_deleted": mails})
    record_event(actor=acting_user, action="retention.run", obj=run, after=run.counts)
    return run


def can_close_account(user: Any, account: User) -> Decision:
    """A person closes their own account, staff included; nobody closes someone else's here."""
    if not (user.is_authenticated and user.is_active):
        return Decision(False, _("Connectez-vous pour fermer votre compte."))
    if user.pk != account.pk:
        return Decision(False, _("Chacun ne peut fermer que son propre compte."))
    return Decision(True)


def closed_address(user: User) -> str:
    # Unique (the column is), and in the reserved .invalid domain: no mail can ever reach it.
    return f"compte-ferme-{user.pk}@pollen.invalid"


@transaction.atomic
def close_account(*, acting_user: User, account: User) -> dict[str, int]:
    """Close an account: drafts deleted, the person detached and anonymised, sessions ended.

    Submitted applications, receipts and grants are public records and stay, pointing to an
    account that no longer names anyone. The row itself stays (audit events refer to it).
    """
    require(can_close_account(acting_user, account))
    account = User.objects.select_for_update().get(pk=account.pk)
    drafts = [
        a
        for a in Application.objects.filter(created_by=account, status=Status.DRAFT, round=1)
        .filter(submissions__isnull=True)
        .order_by("pk")
    ]
    for draft in drafts:
        _remove_draft(acting_user, draft, "account.draft_deleted")
    address = account.email
    pending, _detail = OutgoingMail.objects.filter(recipient=address, sent_at__isnull=True).delete()
    tokens = ApiToken.objects.filter(user=account, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    sessions, _detail = Session.objects.filter(user=account).delete()
    # A jam registration is its own (with its own consent): it stays, no longer tied to a login.
    Participant.objects.filter(user=account).update(user=None)
    counts = {
        "drafts_deleted": len(drafts),
        "pending_mails_deleted": pending,
        "api_tokens_revoked": tokens,
        "sessions_ended": sessions,
    }
    account.email = closed_address(account)
    account.full_name = ""
    account.organisation = None
    account.is_active = False
    account.set_unusable_password()
    account.save(update_fields=["email", "full_name", "organisation", "is_active", "password"])
    record_event(actor=acting_user, action="account.closed", obj=account, after=counts)
    return counts
