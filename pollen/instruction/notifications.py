"""Who instruction mails; the mail itself goes through pollen.mailing.services.queue_mail."""

from pollen.accounts.models import Role, User
from pollen.applications.models import Application


def applicant_addresses(application: Application) -> list[str]:
    """The author of the application and the active applicants of its organisation."""
    members = User.objects.filter(
        organisation_id=application.organisation_id, role=Role.APPLICANT, is_active=True
    ).values_list("email", flat=True)
    return [application.created_by.email, *members]
