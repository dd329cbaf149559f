"""The one way review sends mail: after the transaction commits, one mail per person, never raising."""

import logging
from collections.abc import Iterable
from functools import partial

from django.core.mail import send_mail
from django.db import transaction

from pollen.accounts.models import Role, User
from pollen.applications.models import Application

logger = logging.getLogger(__name__)


def notify(*, recipients: Iterable[str], subject: str, body: str) -> None:
    """Queue one mail per address; nothing is sent if the transaction rolls back."""
    for address in sorted({r for r in recipients if r}):
        transaction.on_commit(partial(_send, address, subject, body))


def _send(address: str, subject: str, body: str) -> None:
    # The change is already committed: a mail failure is logged for the team, never raised.
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
    except Exception:
        logger.exception("mail to %s failed: %s", address, subject)


def applicant_addresses(application: Application) -> list[str]:
    """The author of the application and the active applicants of its organisation."""
    members = User.objects.filter(
        organisation_id=application.organisation_id, role=Role.APPLICANT, is_active=True
    ).values_list("email", flat=True)
    return [application.created_by.email, *members]
