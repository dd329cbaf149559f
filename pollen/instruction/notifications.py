"""Who instruction mails; the mail itself goes through pollen.mailing.services, in each
reader's language."""

from pollen.accounts.models import Role, User
from pollen.applications.models import Application


def applicant_readers(application: Application) -> list[User]:
    """The author of the application and the active applicants of its organisation."""
    members = User.objects.filter(
        organisation_id=application.organisation_id, role=Role.APPLICANT, is_active=True
    ).exclude(pk=application.created_by_id)
    return [application.created_by, *members]
