"""Writes about people and organisations."""

from typing import Any

from django.db import transaction

from pollen.accounts.models import Organisation, User
from pollen.audit.services import record_event

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


def _state(org: Organisation) -> dict[str, Any]:
    data = {f: getattr(org, f) for f in PROFILE_FIELDS}
    data["commune"] = org.commune_id
    return data


@transaction.atomic
def save_organisation(
    *, acting_user: User, organisation: Organisation | None, data: dict[str, Any]
) -> Organisation:
    """Create the applicant's organisation (and attach them to it) or update it; audited."""
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
