"""Experts: profiles, declared conflicts, the instructor's pair rules and the assignment run."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollen import clock
from pollen.accounts.models import Role, User
from pollen.applications.models import Application
from pollen.audit.services import record_event
from pollen.calls.models import Call
from pollen.domain.review import assignment as domain
from pollen.mailing.services import absolute_url, queue_mail
from pollen.permissions import require
from pollen.programmes import in_programme, programme_wall
from pollen.review import assignment_adapter, selectors
from pollen.review.models import (
    Assignment,
    ConflictDeclaration,
    ExpertProfile,
    PairKind,
    PairRule,
    Review,
    ReviewStatus,
)
from pollen.review.services import ReviewError
from pollen.territory.models import Commune

CONFLICT_LABELS = {
    "declared": gettext_lazy("conflit d'intérêts déclaré par l'expert"),
    "same_organisation": gettext_lazy("même organisation"),
    "same_departement": gettext_lazy("même département (règle de l'appel)"),
}


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
        raise ReviewError(_("Seul un expert a un profil d'expert."))
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
        raise ReviewError(_("Indiquez le motif du conflit d'intérêts."))
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
        raise ReviewError(
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


@transaction.atomic
def set_pair_rule(
    *, acting_user: User, application: Application, profile: ExpertProfile, kind: str
) -> PairRule:
    """Force or forbid one pair for every later assignment run."""
    require(selectors.can_instruct(acting_user, application.call))
    if not in_programme(profile.user, application.call):
        raise ReviewError(_("Cet expert n'est pas rattaché au programme de cet appel."))
    rendered = Review.objects.filter(
        assignment__application=application, assignment__expert=profile
    ).exists()
    if kind == PairKind.FORBID and rendered:
        raise ReviewError(_("Cet expert a déjà commencé son évaluation : la paire est conservée."))
    if kind == PairKind.FORCE:
        why = assignment_adapter.conflict_of(application.call, application, profile)
        if why is not None:
            raise ReviewError(
                _("Impossible d'imposer cet expert : %(why)s.") % {"why": CONFLICT_LABELS[why]}
            )
    rule, _created = PairRule.objects.update_or_create(
        application=application,
        expert=profile,
        defaults={"kind": kind, "created_by": acting_user, "created_at": clock.now()},
    )
    record_event(
        actor=acting_user,
        action="review.pair_rule_set",
        obj=application,
        after={"expert": profile.user.email, "kind": kind},
    )
    return rule


@transaction.atomic
def remove_pair_rule(*, acting_user: User, rule: PairRule) -> None:
    require(selectors.can_instruct(acting_user, rule.application.call))
    before = {"expert": rule.expert.user.email, "kind": rule.kind}
    application = rule.application
    rule.delete()
    record_event(
        actor=acting_user, action="review.pair_rule_removed", obj=application, before=before
    )


@dataclass(frozen=True)
class AssignmentOutcome:
    result: domain.AssignmentResult
    applications: dict[str, Application]
    experts: dict[str, ExpertProfile]
    created: int = 0


@transaction.atomic
def assign_experts(
    *, acting_user: User, call: Call, applications: Sequence[Application]
) -> AssignmentOutcome:
    """Solve and store: unreviewed assignments of these applications are replaced, reviewed kept."""
    require(selectors.can_instruct(acting_user, call))
    pks = [a.pk for a in applications]
    locked = list(
        Application.objects.select_for_update(of=("self",))
        .filter(call=call, pk__in=pks, status__in=selectors.REVIEWABLE)
        .select_related("organisation", "organisation__commune")
        .order_by("pk")
    )
    if not locked:
        raise ReviewError(_("Aucune candidature déposée ou complète à affecter."))
    data = assignment_adapter.build_problem(call, locked, list(selectors.experts(call)))
    result = domain.solve_assignment(data.problem)
    if not result.feasible:
        return AssignmentOutcome(result, data.applications, data.experts)
    before: dict[int, list[str]] = defaultdict(list)
    for app_pk, email in Assignment.objects.filter(application__in=locked).values_list(
        "application_id", "expert__user__email"
    ):
        before[app_pk].append(email)
    Assignment.objects.filter(application__in=locked, review__isnull=True).delete()
    new_by_expert = _store(acting_user, data, result)
    for app_id, emails in sorted(result.assignments.items()):
        application = data.applications[app_id]
        if sorted(before[application.pk]) != list(emails):
            record_event(
                actor=acting_user,
                action="review.experts_assigned",
                obj=application,
                before={"experts": sorted(before[application.pk])},
                after={"experts": list(emails), "total_affinity": result.total_affinity},
            )
    _mail_experts(new_by_expert)
    created = sum(len(v) for v in new_by_expert.values())
    return AssignmentOutcome(result, data.applications, data.experts, created=created)


def _store(
    acting_user: User,
    data: assignment_adapter.AssignmentInput,
    result: domain.AssignmentResult,
) -> dict[str, list[Application]]:
    """Create the new pairs (the kept ones already exist); the new applications per expert."""
    apps = {a.id: a for a in data.problem.applications}
    experts = {e.id: e for e in data.problem.experts}
    rows, new_by_expert = [], defaultdict(list)
    now = clock.now()
    for app_id, emails in result.assignments.items():
        for email in emails:
            if (app_id, email) in data.kept:
                continue
            rows.append(
                Assignment(
                    application=data.applications[app_id],
                    expert=data.experts[email],
                    affinity=domain.affinity(apps[app_id], experts[email]),
                    assigned_at=now,
                    assigned_by=acting_user,
                )
            )
            new_by_expert[email].append(data.applications[app_id])
    Assignment.objects.bulk_create(rows)
    return new_by_expert


def _mail_experts(new_by_expert: dict[str, list[Application]]) -> None:
    path = absolute_url(reverse("review:my_reviews"))
    for email, applications in new_by_expert.items():
        listed = "\n".join(f"- {a.title}" for a in applications)
        queue_mail(
            recipients=[email],
            subject=_("Pollen : %(n)d candidature(s) à évaluer") % {"n": len(applications)},
            body=_(
                "Bonjour,\n\nDe nouvelles candidatures vous sont confiées :\n%(listed)s\n\n"
                "Déclarez un éventuel conflit d'intérêts avant de les évaluer : %(path)s\n"
            )
            % {"listed": listed, "path": path},
        )
