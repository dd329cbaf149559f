"""The one way Pollen sends mail.

A mail is a row written in the same transaction as the change it announces, so it is neither
sent for a change that rolled back nor lost when the process dies just after the commit. After
the commit a `deliver_mail` task is enqueued for it (Django's tasks framework: with
POLLEN_TASKS=immediate it runs there and then, with `database` a `db_worker` on any host runs
it, which keeps SMTP and MIME work out of the request). A task claims its mail before sending,
so a task run twice sends once. Failures are retried with a growing delay; after MAX_ATTEMPTS
the mail is left in the admin (« En échec définitif ») to be retried by hand.
"""

import datetime as dt
import io
import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from urllib.parse import urlsplit

import segno
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F, QuerySet
from django.tasks import task
from django.utils import timezone, translation

from pollen import clock, events, sql
from pollen.audit.services import record_event
from pollen.mailing.models import OutgoingMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A claimed mail is left alone by other senders for this long (a sender that died lets go).
LEASE = dt.timedelta(minutes=5)
BASE_DELAY = dt.timedelta(minutes=1)
SENT_FLUSH = 25
# A due mail this late has lost its task (a crash between the commit and the enqueue).
SWEEP_GRACE = dt.timedelta(minutes=2)


def absolute_url(path: str) -> str:
    """A page's address as a mail must give it: a reader's mail client knows no current site."""
    return f"{settings.SITE_URL}{path}"


def queue_mail(
    *, recipients: Iterable[str], subject: str, body: str, qr_link: str = ""
) -> list[OutgoingMail]:
    """One mail per distinct address, saved in the caller's transaction; `qr_link`, an
    absolute address, is attached as a QR code image as well."""
    now = clock.now()
    mails = [
        OutgoingMail(
            recipient=address,
            subject=subject,
            body=body,
            qr_link=qr_link,
            created_at=now,
            next_attempt_at=now,
        )
        for address in sorted({r for r in recipients if r})
    ]
    for mail in mails:  # most changes mail one person: a plain INSERT each
        sql.insert(mail)
    if mails:
        # The pks are read after the commit: inside sql.together() they arrive with it.
        events.enqueue_on_commit(deliver_mail, lambda: [m.pk for m in mails])
    return mails


class Reader(Protocol):
    """Whom a mail is written for: an account's address and the language it chose."""

    email: str
    language: str


def queue_mail_for(
    *,
    readers: Iterable[Reader],
    compose: Callable[[], tuple[str, str]],
    qr_link: str = "",
) -> list[OutgoingMail]:
    """Each reader's mail in their own language: `compose` returns the subject and the body,
    and runs once per language among the readers, with that language active."""
    by_language: dict[str, set[str]] = {}
    for reader in readers:
        if reader.email:
            language = reader.language or settings.LANGUAGE_CODE
            by_language.setdefault(language, set()).add(reader.email)
    mails: list[OutgoingMail] = []
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            subject, body = compose()
        mails += queue_mail(recipients=addresses, subject=subject, body=body, qr_link=qr_link)
    return mails


@task
def deliver_mail(mail_id: int) -> dict[str, int]:
    """Send this mail if it is still due; a second run, or one while another holds it, sends
    nothing (the claim locks the row and `sent_at` records the send)."""
    return _deliver(_claim(OutgoingMail.objects.filter(pk=mail_id), limit=1))


def send_pending(limit: int = 200) -> dict[str, int]:
    """Send the mails that are due, oldest first; returns how many were sent and failed."""
    return _deliver(_claim(OutgoingMail.objects.all(), limit=limit))


def sweep(limit: int = 1000) -> int:
    """Enqueue again the mails due for a while, whose task was lost; returns how many."""
    due = _pending().filter(next_attempt_at__lte=clock.now() - SWEEP_GRACE)
    ids = list(due.order_by("id").values_list("id", flat=True)[:limit])
    for pk in ids:
        deliver_mail.enqueue(pk)
    return len(ids)


def dead_letters() -> QuerySet[OutgoingMail]:
    """The mails given up after MAX_ATTEMPTS failures."""
    return OutgoingMail.objects.filter(sent_at__isnull=True, attempts__gte=MAX_ATTEMPTS)


def retry(*, acting_user: Any, mails: QuerySet[OutgoingMail]) -> int:
    """Give unsent mails a new series of attempts, from now; one audit event each."""
    with transaction.atomic():
        retried = list(mails.select_for_update().filter(sent_at__isnull=True))
        for mail in retried:
            # Not the error: SMTP's may quote the address, and the audit trail is never erased.
            before = {"attempts": mail.attempts}
            mail.attempts, mail.next_attempt_at = 0, clock.now()
            mail.save(update_fields=["attempts", "next_attempt_at"])
            record_event(actor=acting_user, action="mail.retried", obj=mail, before=before)
        events.enqueue_on_commit(deliver_mail, lambda: [m.pk for m in retried])
    return len(retried)


def pending_count() -> int:
    return _pending().count()


def _pending() -> QuerySet[OutgoingMail]:
    return OutgoingMail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8… minutes after the 1st, 2nd, 3rd… failure."""
    factor: int = 2 ** max(attempts - 1, 0)
    return BASE_DELAY * factor


def _claim(queryset: QuerySet[OutgoingMail], *, limit: int) -> list[OutgoingMail]:
    """Take due mails for this sender; concurrent senders skip the rows another one holds."""
    now = clock.now()
    with transaction.atomic():
        mails = list(
            queryset.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now)
            .order_by("id")[:limit]
        )
        OutgoingMail.objects.filter(pk__in=[m.pk for m in mails]).update(
            next_attempt_at=now + LEASE
        )
    return mails


def _deliver(mails: list[OutgoingMail]) -> dict[str, int]:
    """Send each mail; successes are recorded SENT_FLUSH at a time (one UPDATE, not one each).

    A sender dying between a send and its flush makes those few mails go out again once their
    lease ends: delivery is at least once, never lost.
    """
    sent: list[int] = []
    failed = 0
    with mailers.default as mailer:  # one connection for the batch
        for mail in mails:
            try:
                mailer.send_messages([_message(mail)])
            except Exception as exc:
                # The mail's id only: its address and subject are personal data, kept off logs.
                logger.exception("mail %s failed", mail.pk)
                _failed(mail, exc)
                failed += 1
            else:
                sent.append(mail.pk)
                if len(sent) % SENT_FLUSH == 0:
                    _mark_sent(sent[-SENT_FLUSH:])
        _mark_sent(sent[len(sent) - len(sent) % SENT_FLUSH :])
    return {"sent": len(sent), "failed": failed}


def message_id(mail: OutgoingMail) -> str:
    """The same Message-ID for every attempt at this row: the receiver's idempotency key.

    Delivery is at least once (a sender dying between the send and the write that records it
    sends again once its lease ends); a receiver drops a second copy by this header.
    """
    domain = urlsplit(settings.SITE_URL).hostname or "pollen.invalid"
    return f"<pollen-mail-{mail.pk}.{mail.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def _message(mail: OutgoingMail) -> EmailMessage:
    message = EmailMessage(
        mail.subject, mail.body, to=[mail.recipient], headers={"Message-ID": message_id(mail)}
    )
    if mail.qr_link:
        image = io.BytesIO()
        segno.make(mail.qr_link, error="m").save(image, kind="png", scale=8, dark="#000091")
        message.attach("qr-code.png", image.getvalue(), "image/png")
    return message


def _failed(mail: OutgoingMail, exc: Exception) -> None:
    """Count the failure; retry after the backoff, or give up after MAX_ATTEMPTS."""
    mail.attempts += 1
    mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
    delay = backoff(mail.attempts)
    mail.next_attempt_at = clock.now() + delay
    mail.save(update_fields=["attempts", "last_error", "next_attempt_at"])
    if mail.attempts >= MAX_ATTEMPTS:
        logger.warning("mail %s given up after %s attempts", mail.pk, mail.attempts)
    else:  # where the backend cannot wait (immediate), sweep_outbox enqueues it when due
        events.retry_later(deliver_mail, mail.pk, run_after=timezone.now() + delay)


def _mark_sent(ids: list[int]) -> None:
    if ids:
        OutgoingMail.objects.filter(pk__in=ids).update(
            sent_at=clock.now(), attempts=F("attempts") + 1, last_error=""
        )
