"""Who review mails; the mail itself goes through the mailing queue, with the change."""

from collections.abc import Iterable

from pollen.accounts.models import Role, User
from pollen.applications.models import Application
from pollen.mailing.services import queue_mail


def notify(*, recipients: Iterable[str], subject: str, body: str) -> None:
    """One mail per address, queued in the transaction: nothing is sent if it rolls back."""
    queue_mail(recipients=recipients, subject=subject, body=body)


def applicant_addresses(application: Application) -> list[str]:
    """The author of the application and the active applicants of its organisation."""
    members = User.objects.filter(
        organisation_id=application.organisation_id, role=Role.APPLICANT, is_active=True
    ).values_list("email", flat=True)
    return [application.created_by.email, *members]
