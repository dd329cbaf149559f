"""Completeness and the message thread: atomic, audited, the applicant mailed after commit."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.models import User
from pollen.applications import services as application_services
from pollen.applications.models import Application
from pollen.audit.services import record_event
from pollen.calls.models import Call
from pollen.instruction.models import Message, MessageKind
from pollen.instruction.notifications import applicant_readers
from pollen.instruction.selectors import can_instruct, can_post_message
from pollen.mailing.services import absolute_url, queue_mail_for
from pollen.permissions import require


class InstructionError(Exception):
    """A refused change; the message is French and meant for the person who tried."""


def _thread_path(application: Application) -> str:
    return absolute_url(reverse("instruction:thread", args=[application.pk]))


def _add_message(
    author: User,
    application: Application,
    kind: str,
    body: str,
    missing_documents: Sequence[str] = (),
) -> Message:
    return Message.objects.create(
        application=application,
        author=author,
        kind=kind,
        body=body,
        missing_documents=list(missing_documents),
        round=application.round,
        sent_at=clock.now(),
    )


def _mail_applicant(
    application: Application, subject: Callable[[], str], body: Callable[[], str]
) -> None:
    """Mail the applicants, each in their language: `subject` and `body` are written with it."""
    path = _thread_path(application)

    def compose() -> tuple[str, str]:
        footer = _("Retrouvez les échanges sur Pollen : %(path)s") % {"path": path}
        return subject(), f"{_('Bonjour,')}\n\n{body()}\n\n{footer}\n"

    queue_mail_for(readers=applicant_readers(application), compose=compose)


@transaction.atomic
def declare_complete(*, acting_user: User, application: Application, message: str = "") -> Message:
    """The application is complete: it can be reviewed; the applicant is told."""
    application = application_services.mark_complete(
        acting_user=acting_user, application=application, note=message
    )
    words = message.strip()

    def body() -> str:
        return words or _("Votre dossier est complet : il va être transmis aux experts.")

    posted = _add_message(acting_user, application, MessageKind.COMPLETE, body())
    _mail_applicant(
        application,
        lambda: _("Votre candidature « %(title)s » est complète") % {"title": application.title},
        body,
    )
    return posted


def corrections_text(message: str, missing_labels: Sequence[str]) -> str:
    """The request as one text, its documents listed by label: for the mail and the audit note."""
    text = message.strip()
    if missing_labels:
        listed = "\n".join(f"- {label}" for label in missing_labels)
        text = f"{text}\n\n{_('Pièces à fournir :')}\n{listed}".strip()
    return text


@transaction.atomic
def ask_for_corrections(
    *,
    acting_user: User,
    application: Application,
    message: str,
    missing_documents: Sequence[str] = (),
) -> Message:
    """Send the application back with what to fix: a new round opens and it can be resubmitted.

    `missing_documents` are document ids of the call file: the message keeps them as data (the
    applicant's pages link each to its upload field), the mail lists their labels."""
    spec = application.call.spec
    known = {d.id for d in spec.documents}
    if any(d not in known for d in missing_documents):
        raise InstructionError(_("Cochez seulement des pièces que l'appel demande."))
    asked = list(dict.fromkeys(missing_documents))
    labels = [spec.document_label(d) for d in asked]
    text = corrections_text(message, labels)
    if not text:
        raise InstructionError(_("Indiquez au porteur ce qu'il doit corriger ou compléter."))
    application = application_services.reopen_application(
        acting_user=acting_user, application=application, message=text
    )
    posted = _add_message(acting_user, application, MessageKind.CORRECTIONS, message.strip(), asked)
    _mail_applicant(
        application,
        lambda: (
            _("Votre candidature « %(title)s » : des compléments sont demandés")
            % {"title": application.title}
        ),
        lambda: (
            corrections_text(message, labels)
            + "\n\n"
            + _(
                "Modifiez votre candidature puis déposez-la de nouveau : vous recevrez un nouvel accusé de réception."
            )
        ),
    )
    return posted


def _staff_of_thread(application: Application) -> list[User]:
    authors = User.objects.filter(
        pk__in=application.review_messages.values("author_id"), is_active=True
    )
    return [u for u in authors if u.is_programme_staff]


@transaction.atomic
def post_message(*, acting_user: User, application: Application, body: str) -> Message:
    """A message in the thread; the other side is mailed."""
    require(can_post_message(acting_user, application))
    body = body.strip()
    if not body:
        raise InstructionError(_("Le message est vide."))
    posted = _add_message(acting_user, application, MessageKind.MESSAGE, body)
    record_event(
        actor=acting_user,
        action="application.message_posted",
        obj=application,
        after={"message": posted.pk, "round": posted.round},
        note=body,
    )

    def subject() -> str:
        return _("Nouveau message sur la candidature « %(title)s »") % {"title": application.title}

    if acting_user.is_programme_staff:
        _mail_applicant(application, subject, lambda: body)
    else:
        path = _thread_path(application)
        queue_mail_for(
            readers=_staff_of_thread(application),
            compose=lambda: (subject(), f"{body}\n\n{path}\n"),
        )
    return posted


@dataclass
class BulkOutcome:
    done: list[Application] = field(default_factory=list)
    refused: list[tuple[Application, str]] = field(default_factory=list)


def bulk_completeness(
    *,
    acting_user: User,
    call: Call,
    application_ids: Sequence[int],
    action: str,
    message: str = "",
) -> BulkOutcome:
    """Apply one completeness action or message to each application; each in its own transaction."""
    require(can_instruct(acting_user, call))
    outcome = BulkOutcome()
    for application in Application.objects.filter(call=call, pk__in=application_ids).order_by("pk"):
        try:
            if action == "complete":
                declare_complete(acting_user=acting_user, application=application, message=message)
            elif action == "corrections":
                ask_for_corrections(
                    acting_user=acting_user, application=application, message=message
                )
            elif action == "message":
                post_message(acting_user=acting_user, application=application, body=message)
            else:
                raise InstructionError(_("Action inconnue."))
        except (InstructionError, application_services.ApplicationError) as exc:
            outcome.refused.append((application, str(exc)))
        else:
            outcome.done.append(application)
    return outcome
