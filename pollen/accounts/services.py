"""Writes about people and organisations."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.models import (
    ChangeStatus,
    Organisation,
    OrganisationChange,
    Role,
    Session,
    User,
)
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


IDENTITY_FIELDS = ("legal_name", "siret")
SIGNED = ("signed", "closed")  # grant statuses bound by a signed agreement


def _bound_by_agreement(org: Organisation) -> bool:
    return org.applications.filter(grant__status__in=SIGNED).exists()


def _ask_for_identity_change(user: User, org: Organisation, data: dict[str, Any]) -> None:
    """A beneficiary bound by a signed agreement cannot rename itself: it asks, staff decide."""
    name = data.get("legal_name", org.legal_name)
    siret = data.get("siret", org.siret)
    if (name, siret) == (org.legal_name, org.siret):
        return
    change = OrganisationChange.objects.create(
        organisation=org,
        legal_name=name,
        siret=siret,
        previous_legal_name=org.legal_name,
        previous_siret=org.siret,
        requested_by=user,
        requested_at=clock.now(),
    )
    record_event(
        actor=user,
        action="organisation.change_requested",
        obj=org,
        before={"legal_name": org.legal_name, "siret": org.siret},
        after={"legal_name": name, "siret": siret, "request": change.pk},
    )


def can_decide_change(user: User) -> Decision:
    if user.is_authenticated and user.is_programme_staff:
        return Decision(True)
    return Decision(False, _("Seule l'équipe du programme décide d'un changement de bénéficiaire."))


@transaction.atomic
def decide_change(
    *, acting_user: User, change: OrganisationChange, accept: bool, reason: str
) -> OrganisationChange:
    """Accepted: the profile changes (signed agreements keep the name and SIRET they bear)."""
    require(can_decide_change(acting_user))
    change = (
        OrganisationChange.objects.select_for_update()
        .select_related("organisation")
        .get(pk=change.pk)
    )
    if change.status != ChangeStatus.PENDING:
        raise PermissionDenied(_("Cette demande a déjà reçu une réponse."))
    change.status = ChangeStatus.ACCEPTED if accept else ChangeStatus.REFUSED
    change.decided_by, change.decided_at, change.reason = acting_user, clock.now(), reason.strip()
    change.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    org = change.organisation
    before = {"legal_name": org.legal_name, "siret": org.siret}
    if accept:
        org.legal_name, org.siret = change.legal_name, change.siret
        org.save(update_fields=["legal_name", "siret"])
    record_event(
        actor=acting_user,
        action="organisation.change_accepted" if accept else "organisation.change_refused",
        obj=org,
        before=before,
        after={"legal_name": org.legal_name, "siret": org.siret, "request": change.pk},
        note=change.reason,
    )
    return change


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
    bound = organisation is not None and _bound_by_agreement(organisation)
    if bound:
        assert organisation is not None
        _ask_for_identity_change(acting_user, organisation, data)
    for field in PROFILE_FIELDS:
        if bound and field in IDENTITY_FIELDS:
            continue  # asked above: staff accept or refuse it
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


@transaction.atomic
def sign_out_everywhere(*, acting_user: User) -> int:
    """Every session of this person ends, on every device (a lost phone, a shared computer)."""
    ended, _detail = Session.objects.filter(user=acting_user).delete()
    record_event(
        actor=acting_user,
        action="account.signed_out_everywhere",
        obj=acting_user,
        after={"sessions": ended},
    )
    return ended
