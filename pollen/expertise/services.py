"""The expert's writes: their profile and their declared conflicts of interest."""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.models import Role, User
from pollen.applications.models import Application
from pollen.audit.services import record_event
from pollen.expertise import selectors
from pollen.expertise.models import (
    Assignment,
    ConflictDeclaration,
    ExpertProfile,
    Review,
    ReviewStatus,
)
from pollen.permissions import require
from pollen.programmes import programme_wall
from pollen.territory.models import Commune


class ExpertiseError(Exception):
    """A refused change; the message is French and meant for the person who tried."""


@transaction.atomic
def save_expert_profile(
    *,
    acting_user: User,
    user: User,
    tags: Sequence[str],
    organisation_name: str,
    commune: Commune | None,
    max_load: int,
) -> ExpertProfile:
    require(selectors.can_edit_expert_profile(acting_user, user))
    if not user.has_role(Role.EXPERT):
        raise ExpertiseError(_("Seul un expert a un profil d'expert."))
    profile = ExpertProfile.objects.select_for_update(of=("self",)).filter(user=user).first()
    before = None
    if profile is None:
        profile = ExpertProfile(user=user)
    else:
        before = _profile_state(profile)
    profile.tags = sorted(set(tags))
    profile.organisation_name = organisation_name.strip()
    profile.commune = commune
    profile.max_load = max_load
    profile.updated_at = clock.now()
    profile.save()
    record_event(
        actor=acting_user,
        action="expert.profile_saved",
        obj=profile,
        before=before,
        after=_profile_state(profile),
    )
    return profile


def _profile_state(profile: ExpertProfile) -> dict[str, object]:
    return {
        "tags": list(profile.tags),
        "organisation_name": profile.organisation_name,
        "commune": profile.commune_id,
        "max_load": profile.max_load,
    }


def _withdraw(assignment: Assignment) -> None:
    """Remove an assignment whose review has not been rendered (a draft goes with it)."""
    Review.objects.filter(assignment=assignment, status=ReviewStatus.DRAFT).delete()
    assignment.delete()


@transaction.atomic
def declare_conflict(
    *, acting_user: User, profile: ExpertProfile, application: Application, reason: str
) -> ConflictDeclaration:
    """The expert will never be assigned this application; a pending assignment is withdrawn."""
    require(selectors.can_declare_conflict(acting_user, profile))
    require(programme_wall(acting_user, application.call))
    reason = reason.strip()
    if not reason:
        raise ExpertiseError(_("Indiquez le motif du conflit d'intérêts."))
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .filter(expert=profile, application=application)
        .select_related("review")
        .first()
    )
    if (
        assignment is not None
        and Review.objects.filter(assignment=assignment, status=ReviewStatus.SUBMITTED).exists()
    ):
        raise ExpertiseError(
            _("Vous avez déjà rendu votre évaluation : contactez l'instructeur du programme.")
        )
    declaration, _created = ConflictDeclaration.objects.update_or_create(
        expert=profile,
        application=application,
        defaults={"reason": reason, "declared_at": clock.now()},
    )
    if assignment is not None:
        _withdraw(assignment)
    record_event(
        actor=acting_user,
        action="review.conflict_declared",
        obj=application,
        after={"expert": profile.user.email, "withdrawn": assignment is not None},
        note=reason,
    )
    return declaration
