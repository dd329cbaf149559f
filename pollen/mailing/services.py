"""The one way Pollen sends mail.

A mail is a row written in the same transaction as the change it announces, so it is neither
sent for a change that rolled back nor lost when the process dies just after the commit. With
POLLEN_MAIL_DELIVERY=immediate (the default) it is sent right after the commit; with `worker`,
`manage.py send_mail_queue --loop` sends it, which keeps SMTP and MIME work out of the request
(what lets the deadline rush go faster). Failures are kept and retried with a growing delay.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import F, QuerySet

from pollen import clock, sql
from pollen.mailing.models import OutgoingMail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A claimed mail is left alone by other senders for this long (a sender that died lets go).
LEASE = dt.timedelta(minutes=5)
BASE_DELAY = dt.timedelta(minutes=1)
SENT_FLUSH = 25


def queue_mail(*, recipients: Iterable[str], subject: str, body: str) -> list[OutgoingMail]:
    """One mail per distinct address, saved in the caller's transaction."""
    now = clock.now()
    mails = [
        OutgoingMail(
            recipient=address, subject=subject, body=body, created_at=now, next_attempt_at=now
        )
        for address in sorted({r for r in recipients if r})
    ]
    for mail in mails:  # most changes mail one person: a plain INSERT each
        sql.insert(mail)
    if settings.MAIL_DELIVERY == "immediate" and mails:
        # The pks are read after the commit: inside sql.together() they arrive with it.
        transaction.on_commit(lambda: send_queued([m.pk for m in mails]))
    return mails


def send_queued(ids: list[int]) -> None:
    """Send these mails now (after the commit); a failure is logged and left to the worker."""
    try:
        _deliver(_claim(OutgoingMail.objects.filter(pk__in=ids), limit=len(ids)))
    except Exception:  # the change is committed: never turn it into an error page
        logger.exception("immediate mail delivery failed for %s", ids)


def send_pending(limit: int = 200) -> dict[str, int]:
    """Send the mails that are due, oldest first; returns how many were sent and failed."""
    return _deliver(_claim(OutgoingMail.objects.all(), limit=limit))


def pending_count() -> int:
    return OutgoingMail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS).count()


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8… minutes after the 1st, 2nd, 3rd… failure."""
    return BASE_DELAY * 2 ** max(attempts - 1, 0)


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
                mailer.send_messages([EmailMessage(mail.subject, mail.body, to=[mail.recipient])])
            except Exception as exc:
                # The mail's id only: its address and subject are personal data, kept off logs.
                logger.exception("mail %s failed", mail.pk)
                mail.attempts += 1
                mail.last_error = f"{type(exc).__name__}: {exc}"[:500]
                mail.next_attempt_at = clock.now() + backoff(mail.attempts)
                mail.save(update_fields=["attempts", "last_error", "next_attempt_at"])
                failed += 1
            else:
                sent.append(mail.pk)
                if len(sent) % SENT_FLUSH == 0:
                    _mark_sent(sent[-SENT_FLUSH:])
        _mark_sent(sent[len(sent) - len(sent) % SENT_FLUSH :])
    return {"sent": len(sent), "failed": failed}


def _mark_sent(ids: list[int]) -> None:
    if ids:
        OutgoingMail.objects.filter(pk__in=ids).update(
            sent_at=clock.now(), attempts=F("attempts") + 1, last_error=""
        )
