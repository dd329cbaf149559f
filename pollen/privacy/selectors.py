"""Reading personal data: what retention would do today, and everything Pollen holds on someone."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from pollen.accounts.models import Session, User
from pollen.api.models import ApiToken
from pollen.applications.models import Application, Document, Status
from pollen.audit.models import AuditEvent
from pollen.calls.models import Call
from pollen.expertise.models import ExpertProfile, Review
from pollen.instruction.models import Message
from pollen.jam.models import Participant
from pollen.mailing.models import OutgoingMail
from pollen.permissions import Decision
from pollen.privacy.models import DraftWarning


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` calendar months earlier (the month's last day if shorter)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


@dataclass(frozen=True)
class DraftNotice:
    application: Application
    deletion_after: dt.datetime


@dataclass
class RetentionPlan:
    warn: list[DraftNotice] = field(default_factory=list)
    delete: list[Application] = field(default_factory=list)
    anonymise: list[Application] = field(default_factory=list)
    sent_mails: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.warn or self.delete or self.anonymise or self.sent_mails)


def can_apply_retention(user: User | None) -> Decision:
    """The server's operator (a command run by cron: no user) or an administrator."""
    if user is None or (user.is_authenticated and user.is_superuser and user.is_active):
        return Decision(True)
    return Decision(
        False, _("Seul l'exploitant de la plateforme applique les durées de conservation.")
    )


def _untouched_drafts(call: Call) -> QuerySet[Application]:
    # A draft never submitted: later rounds (corrections) are submitted applications.
    return (
        Application.objects.filter(call=call, status=Status.DRAFT, round=1)
        .filter(submissions__isnull=True)
        .select_related("created_by", "call")
    )


def _warned_for_this_state(*, before: dt.datetime | None = None) -> Exists:
    warnings = DraftWarning.objects.filter(
        application=OuterRef("pk"), draft_updated_at=OuterRef("updated_at")
    )
    if before is not None:
        warnings = warnings.filter(warned_at__lte=before)
    return Exists(warnings)


def retention_plan(now: dt.datetime) -> RetentionPlan:
    """What apply_retention would do at `now`, call by call, with each call's own periods."""
    plan = RetentionPlan()
    for call in Call.objects.order_by("slug"):
        rules = call.spec.retention
        delete_before = months_before(now, rules.drafts_deleted_after_months)
        notice = dt.timedelta(days=rules.draft_warning_days)
        drafts = _untouched_drafts(call)
        # Deleted once the period is over *and* the warning is at least `notice` old.
        plan.delete += list(
            drafts.filter(updated_at__lte=delete_before)
            .filter(_warned_for_this_state(before=now - notice))
            .order_by("pk")
        )
        for application in (
            drafts.filter(updated_at__lte=delete_before + notice)
            .exclude(_warned_for_this_state())
            .order_by("pk")
        ):
            deletion_after = max(application.updated_at + (now - delete_before), now + notice)
            plan.warn.append(DraftNotice(application, deletion_after))
        decided_before = months_before(now, rules.unsuccessful_anonymised_after_months)
        plan.anonymise += list(
            Application.objects.filter(call=call, status=Status.REJECTED)
            .filter(anonymisation__isnull=True)
            .annotate(
                decided_at=Coalesce(
                    "selection_decision__decided_at", "updated_at", output_field=DateTimeField()
                )
            )
            .filter(decided_at__lte=decided_before)
            .order_by("pk")
        )
    plan.sent_mails = sent_mails_to_delete(now).count()
    return plan


def sent_mails_to_delete(now: dt.datetime) -> QuerySet[OutgoingMail]:
    kept = dt.timedelta(days=settings.SENT_MAIL_KEPT_DAYS)
    return OutgoingMail.objects.filter(sent_at__isnull=False, sent_at__lte=now - kept)


def applications_of_person(user: User) -> QuerySet[Application]:
    """The applications this person created, submitted or added a document to: theirs, not their
    colleagues' (who may ask for their own)."""
    return (
        Application.objects.filter(
            Q(created_by=user) | Q(submissions__submitted_by=user) | Q(documents__uploaded_by=user)
        )
        .distinct()
        .select_related("call", "organisation", "organisation__commune")
        .prefetch_related("expense_lines", "resource_lines", "documents", "submissions")
        .order_by("pk")
    )


def documents_of_person(user: User) -> QuerySet[Document]:
    """The document files of those applications that still exist on disk (anonymised: gone)."""
    return (
        Document.objects.filter(application__in=applications_of_person(user).values("pk"))
        .exclude(file="")
        .order_by("application_id", "pk")
    )


def _moment(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _application(application: Application) -> dict[str, Any]:
    return {
        "id": application.pk,
        "call": application.call.slug,
        "organisation": application.organisation.legal_name,
        "title": application.title,
        "summary": application.summary,
        "kind": application.kind,
        "status": application.status,
        "round": application.round,
        "requested_amount_eur": str(application.requested_amount),
        "total_expenses_eur": str(application.total_expenses),
        "created_at": _moment(application.created_at),
        "updated_at": _moment(application.updated_at),
        "expenses": [
            {"label": e.label, "category": e.category, "amount_eur": str(e.amount)}
            for e in application.expense_lines.all()
        ],
        "resources": [
            {"label": r.label, "kind": r.kind, "status": r.status, "amount_eur": str(r.amount)}
            for r in application.resource_lines.all()
        ],
        "documents": [
            {
                "id": d.pk,
                "doc_type": d.doc_type,
                "name": d.original_name,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": _moment(d.uploaded_at),
                "removed_at": _moment(d.removed_at),
            }
            for d in application.documents.all()
        ],
        "submissions": [
            {
                "receipt": s.receipt_number,
                "round": s.round,
                "submitted_at": _moment(s.submitted_at),
                "sha256": s.snapshot_sha256,
            }
            for s in application.submissions.all()
        ],
    }


def _profile(user: User) -> dict[str, Any]:
    org = user.organisation
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "language": user.language,
        "is_active": user.is_active,
        "date_joined": _moment(user.date_joined),
        "last_login": _moment(user.last_login),
        "organisation": None
        if org is None
        else {
            "legal_name": org.legal_name,
            "siret": org.siret,
            "address": org.address,
            "commune": org.commune_id,
            "website": org.website,
        },
    }


def _jam(user: User) -> list[dict[str, Any]]:
    people = Participant.objects.filter(Q(user=user) | Q(email=user.email)).select_related("jam")
    return [
        {
            "jam": p.jam.title,
            "full_name": p.full_name,
            "email": p.email,
            "organisation": p.organisation,
            "kind": p.kind,
            "role": p.role,
            "registration": p.registration,
            "registered_at": _moment(p.registered_at),
            "consented_at": _moment(p.consented_at),
        }
        for p in people.order_by("pk")
    ]


def _expert(user: User) -> dict[str, Any] | None:
    profile = ExpertProfile.objects.filter(user=user).first()
    if profile is None:
        return None
    reviews = Review.objects.filter(assignment__expert=profile).order_by("pk")
    return {
        "tags": profile.tags,
        "organisation": profile.organisation_name,
        "commune": profile.commune_id,
        "max_load": profile.max_load,
        "reviews": [
            {
                "application": r.assignment.application_id,
                "scores": r.scores,
                "comments": r.comments,
                "recommendation": r.recommendation,
                "status": r.status,
                "submitted_at": _moment(r.submitted_at),
            }
            for r in reviews.select_related("assignment")
        ],
    }


# Enough for anyone's history; an operator answers a request for more by hand.
AUDIT_LIMIT = 5000


def personal_data(user: User, now: dt.datetime) -> dict[str, Any]:
    """Everything Pollen holds on this person, as JSON-ready data (the right of access)."""
    mails = OutgoingMail.objects.filter(recipient=user.email).order_by("pk")
    actions = AuditEvent.objects.filter(actor=user).order_by("id")[:AUDIT_LIMIT]
    return {
        "format": "pollen.personal-data.v1",
        "exported_at": now.isoformat(),
        "account": _profile(user),
        "applications": [_application(a) for a in applications_of_person(user)],
        "messages": [
            {
                "application": m.application_id,
                "kind": m.kind,
                "body": m.body,
                "sent_at": _moment(m.sent_at),
            }
            for m in Message.objects.filter(author=user).order_by("pk")
        ],
        "expert": _expert(user),
        "jam_participations": _jam(user),
        "mails": [
            {
                "subject": m.subject,
                "body": m.body,
                "created_at": _moment(m.created_at),
                "sent_at": _moment(m.sent_at),
            }
            for m in mails
        ],
        "api_tokens": [
            {"name": t.name, "prefix": t.prefix, "created_at": _moment(t.created_at)}
            for t in ApiToken.objects.filter(user=user).order_by("pk")
        ],
        "open_sessions": Session.objects.filter(user=user).count(),
        "audit_events": [
            {
                "occurred_at": _moment(e.occurred_at),
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
            }
            for e in actions
        ],
    }
