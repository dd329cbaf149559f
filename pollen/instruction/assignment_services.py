"""The instructor's pair rules and the assignment run: experts given to applications."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollen import clock
from pollen.accounts.models import User
from pollen.applications.models import Application
from pollen.audit.services import record_event
from pollen.calls.models import Call
from pollen.domain.review import assignment as domain
from pollen.expertise import selectors as expertise_selectors
from pollen.expertise.models import Assignment, ExpertProfile, Review
from pollen.instruction import assignment_adapter
from pollen.instruction.models import AssignmentRun, PairKind, PairRule
from pollen.instruction.selectors import can_instruct
from pollen.instruction.services import InstructionError
from pollen.mailing.services import absolute_url, queue_mail_for
from pollen.permissions import require
from pollen.programmes import in_programme

CONFLICT_LABELS = {
    "declared": gettext_lazy("conflit d'intérêts déclaré par l'expert"),
    "same_organisation": gettext_lazy("même organisation"),
    "same_departement": gettext_lazy("même département (règle de l'appel)"),
}


@transaction.atomic
def set_pair_rule(
    *, acting_user: User, application: Application, profile: ExpertProfile, kind: str
) -> PairRule:
    """Force or forbid one pair for every later assignment run."""
    require(can_instruct(acting_user, application.call))
    if not in_programme(profile.user, application.call):
        raise InstructionError(_("Cet expert n'est pas rattaché au programme de cet appel."))
    rendered = Review.objects.filter(
        assignment__application=application, assignment__expert=profile
    ).exists()
    if kind == PairKind.FORBID and rendered:
        raise InstructionError(
            _("Cet expert a déjà commencé son évaluation : la paire est conservée.")
        )
    if kind == PairKind.FORCE:
        why = assignment_adapter.conflict_of(application.call, application, profile)
        if why is not None:
            raise InstructionError(
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
    require(can_instruct(acting_user, rule.application.call))
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
    run: AssignmentRun | None = None  # the stored run, when the assignment was feasible


def assign_experts(
    *,
    acting_user: User,
    call: Call,
    applications: Sequence[Application],
    job_id: uuid.UUID | None = None,
) -> AssignmentOutcome:
    """Solve and store: unreviewed assignments of these applications are replaced, reviewed kept.

    Given the job that asked (pollen.jobs), a second run of that job stores nothing and returns
    the first's figures: one assignment, one set of events and mails per job.
    """
    try:
        return _assign(acting_user, call, applications, job_id)
    except IntegrityError:
        done = AssignmentRun.objects.filter(job_id=job_id).first() if job_id else None
        if done is None:
            raise
        return _already_done(done)  # another runner of the job stored it first


def _already_done(run: AssignmentRun) -> AssignmentOutcome:
    result = domain.AssignmentResult(
        feasible=True, assignments={}, total_affinity=run.total_affinity
    )
    return AssignmentOutcome(result, {}, {}, created=run.created, run=run)


@transaction.atomic
def _assign(
    acting_user: User,
    call: Call,
    applications: Sequence[Application],
    job_id: uuid.UUID | None,
) -> AssignmentOutcome:
    require(can_instruct(acting_user, call))
    pks = [a.pk for a in applications]
    locked = list(
        Application.objects.select_for_update(of=("self",))
        .filter(call=call, pk__in=pks, status__in=expertise_selectors.REVIEWABLE)
        .select_related("organisation", "organisation__commune")
        .order_by("pk")
    )
    # Read once the rows are locked: a runner that waited for another one sees its run.
    if job_id is not None and (done := AssignmentRun.objects.filter(job_id=job_id).first()):
        return _already_done(done)
    if not locked:
        raise InstructionError(_("Aucune candidature déposée ou complète à affecter."))
    data = assignment_adapter.build_problem(call, locked, list(expertise_selectors.experts(call)))
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
    _mail_experts(new_by_expert, data.experts)
    created = sum(len(v) for v in new_by_expert.values())
    run = AssignmentRun.objects.create(
        call=call,
        job_id=job_id,
        applications=len(data.applications),
        created=created,
        total_affinity=result.total_affinity,
        created_by=acting_user,
        created_at=clock.now(),
    )
    return AssignmentOutcome(result, data.applications, data.experts, created=created, run=run)


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


def _mail_experts(
    new_by_expert: dict[str, list[Application]], experts: dict[str, ExpertProfile]
) -> None:
    """Each expert's new applications, in the expert's language."""
    path = absolute_url(reverse("expertise:my_reviews"))
    for email, applications in new_by_expert.items():
        listed = "\n".join(f"- {a.title}" for a in applications)
        queue_mail_for(
            readers=[experts[email].user],
            compose=partial(_experts_mail, len(applications), listed, path),
        )


def _experts_mail(n: int, listed: str, path: str) -> tuple[str, str]:
    return (
        _("Pollen : %(n)d candidature(s) à évaluer") % {"n": n},
        _(
            "Bonjour,\n\nDe nouvelles candidatures vous sont confiées :\n%(listed)s\n\n"
            "Déclarez un éventuel conflit d'intérêts avant de les évaluer : %(path)s\n"
        )
        % {"listed": listed, "path": path},
    )
