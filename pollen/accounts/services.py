"""Writes about people and organisations."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from pollen.accounts.models import Organisation, Role, User
from pollen.audit.services import record_event
from pollen.permissions import Decision, require

PROFILE_FIELDS = (
    "legal_name",
    "siret",
    "legal_form",
    "address",
    "website",
    "is_fablab",
    "machines",
    "opening_hours",
)


def can_edit_organisation(user: User, organisation: Organisation | None) -> Decision:
    """An applicant creates their structure once, then edits that one only."""
    if not (user.is_authenticated and user.has_role(Role.APPLICANT)):
        return Decision(False, _("Seul un porteur de projet renseigne la fiche de sa structure."))
    mine = user.organisation_id if organisation is None else organisation.pk
    if user.organisation_id != mine:
        return Decision(False, _("Cette structure n'est pas la vôtre."))
    return Decision(True)


def _state(org: Organisation) -> dict[str, Any]:
    data = {f: getattr(org, f) for f in PROFILE_FIELDS}
    data["commune"] = org.commune_id
    return data


@transaction.atomic
def save_organisation(
    *, acting_user: User, organisation: Organisation | None, data: dict[str, Any]
) -> Organisation:
    """Create the applicant's organisation (and attach them to it) or update it; audited."""
    require(can_edit_organisation(acting_user, organisation))
    before = _state(organisation) if organisation else None
    org = organisation or Organisation()
    for field in PROFILE_FIELDS:
        setattr(org, field, data.get(field, getattr(org, field)))
    org.commune = data["commune"]
    org.save()
    if organisation is None:
        acting_user.organisation = org
        acting_user.save(update_fields=["organisation"])
    after = _state(org)
    if before != after:
        record_event(
            actor=acting_user,
            action="organisation.created" if before is None else "organisation.edited",
            obj=org,
            before=before,
            after=after,
        )
    return org
