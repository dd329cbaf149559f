"""The committee's writes: run a scenario, freeze one into decisions and letters (audited)."""

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Callable
from typing import Any

import scipy
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.models import User
from pollen.applications import services as application_services
from pollen.applications.models import Application
from pollen.audit.services import record_event
from pollen.calls.models import Call
from pollen.domain.apply import status as states
from pollen.domain.selection.explain import explain_selection
from pollen.domain.selection.portfolio import (
    SelectionInfeasibleError,
    select_portfolio,
    selection_output,
)
from pollen.domain.selection.problem import (
    SelectionInputError,
    SelectionProblem,
    parse_selection_input,
)
from pollen.domain.territory.communes import CommunePoint
from pollen.permissions import require
from pollen.selection import adapters, records
from pollen.selection.letters_pdf import letter_pdf
from pollen.selection.models import Decision, Outcome, SelectionRun
from pollen.selection.selectors import can_sit

# The web page bounds each solve (the optimum, then each re-solve of an explanation).
TIME_LIMIT_S = 20.0
SOLVER = "scipy.optimize.milp (HiGHS)"
SOLVABLE = frozenset({"optimal", "time_limit"})


class SelectionError(Exception):
    """A refused committee action; the message (translated by gettext) is for the person who tried."""


def solver_version() -> str:
    return f"scipy {scipy.__version__} HiGHS"


def run_scenario(
    *,
    acting_user: User,
    call: Call,
    name: str,
    parameters: adapters.ScenarioParameters,
    communes: dict[str, CommunePoint] | None = None,
    job_id: uuid.UUID | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> SelectionRun:
    """Solve outside the transaction (it takes seconds), then store the run and one event.

    Given the job that asked (pollen.jobs), a second run of that job returns the first's
    SelectionRun: one run and one event per job, whoever finishes first.
    """
    require(can_sit(acting_user, call))
    if job_id is not None and (done := SelectionRun.objects.filter(job_id=job_id).first()):
        return done
    step = progress or (lambda done, total, label: None)
    started = time.perf_counter()
    step(0, 3, _("Préparation des candidatures"))
    pool = adapters.candidate_pool(call)
    text = adapters.problem_text(adapters.problem_data(call, parameters, pool))
    try:
        problem = parse_selection_input(text, communes or adapters.communes_by_insee())
    except SelectionInputError as exc:
        raise SelectionError(str(exc)) from exc
    step(1, 3, _("Recherche de la meilleure sélection"))
    fields = _solve(problem, step)
    try:
        return _store_run(acting_user, call, name, parameters, text, started, fields, job_id)
    except IntegrityError:
        if job_id is None:
            raise
        return SelectionRun.objects.get(job_id=job_id)  # another runner of the job stored it


def _store_run(
    acting_user: User,
    call: Call,
    name: str,
    parameters: adapters.ScenarioParameters,
    text: str,
    started: float,
    fields: dict[str, Any],
    job_id: uuid.UUID | None,
) -> SelectionRun:
    with transaction.atomic():
        run = SelectionRun.objects.create(
            job_id=job_id,
            call=call,
            name=name,
            parameters=parameters.as_json(),
            problem=text,
            problem_sha256=hashlib.sha256(text.encode()).hexdigest(),
            solver=SOLVER,
            solver_version=solver_version(),
            total_seconds=round(time.perf_counter() - started, 3),
            created_by=acting_user,
            created_at=clock.now(),
            **fields,
        )
        record_event(
            actor=acting_user,
            action="selection.run",
            obj=run,
            after={
                "name": name,
                "status": run.status,
                "selected": run.selected_ids,
                "problem_sha256": run.problem_sha256,
            },
        )
    return run


def _solve(problem: SelectionProblem, step: Callable[[int, int, str], None]) -> dict[str, Any]:
    """The run's stored fields: status, gap, result, figures, explanations, timing."""
    try:
        outcome = select_portfolio(problem, time_limit_s=TIME_LIMIT_S)
    except SelectionInfeasibleError as exc:
        result = {"status": "infeasible", "reason": str(exc)}
        return {"status": "infeasible", "gap": None, "result": result, "solve_seconds": 0.0}
    optimum = outcome.optimum
    fields: dict[str, Any] = {
        "status": optimum.status,
        "gap": optimum.gap,
        "result": selection_output(outcome),
        "figures": records.figures_of(outcome),
        "solve_seconds": round(optimum.solve_seconds, 3),
    }
    if optimum.status in SOLVABLE:
        step(2, 3, _("Explication de chaque décision"))
        explanation = explain_selection(problem, optimum, time_limit_s=TIME_LIMIT_S)
        fields["explanations"] = records.explanations_of(explanation)
        fields["explanation_note"] = explanation.note
    else:
        fields["result"] = {**selection_output(outcome), "reason": optimum.reason}
    return fields


def can_freeze_reason(run: SelectionRun) -> str:
    """Why this run cannot be frozen, in the active language, or "" when it can."""
    if run.frozen_at is not None:
        return _("Ce scénario est déjà figé.")
    if SelectionRun.objects.filter(call_id=run.call_id, frozen_at__isnull=False).exists():
        return _("Un autre scénario est déjà figé pour cet appel : les décisions sont prises.")
    if run.status not in SOLVABLE:
        return _("Ce scénario n'a pas de sélection : il ne peut pas être figé.")
    return ""


def freeze_run(*, acting_user: User, run: SelectionRun) -> list[Decision]:
    """Freeze a scenario: statuses SELECTED / WAITLISTED / REJECTED and one letter each."""
    with transaction.atomic():
        run = (
            SelectionRun.objects.select_for_update(of=("self",))
            .select_related("call")
            .get(pk=run.pk)
        )
        require(can_sit(acting_user, run.call))
        reason = can_freeze_reason(run)
        if reason:
            raise SelectionError(reason)
        plan = records.decision_plan(run.problem, run.explanations)
        applications = _lock_applications(run, [int(p.candidate_id) for p in plan])
        now = clock.now()
        run.frozen_at, run.frozen_by = now, acting_user
        run.save(update_fields=["frozen_at", "frozen_by"])
        signatory = acting_user.full_name or acting_user.email
        decisions = [
            _decide(acting_user, run, applications[int(p.candidate_id)], p, now, signatory)
            for p in plan
        ]
        counts = {o.value: sum(d.outcome == o for d in decisions) for o in Outcome}
        record_event(
            actor=acting_user,
            action="selection.frozen",
            obj=run,
            after={"name": run.name, "problem_sha256": run.problem_sha256, **counts},
        )
    return decisions


def _lock_applications(run: SelectionRun, ids: list[int]) -> dict[int, Application]:
    applications = {
        a.pk: a
        for a in Application.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .filter(pk__in=ids)
    }
    changed = [
        str(pk)
        for pk in ids
        if pk not in applications or applications[pk].status not in states.UNDECIDED
    ]
    if changed:
        raise SelectionError(
            _(
                "Des candidatures ont changé depuis ce calcul (%(ids)s) : "
                "relancez le scénario avant de le figer."
            )
            % {"ids": ", ".join(changed)}
        )
    return applications


def _decide(
    acting_user: User,
    run: SelectionRun,
    application: Application,
    planned: records.PlannedDecision,
    now: dt.datetime,
    signatory: str,
) -> Decision:
    reason = planned.reason
    if planned.outcome == Outcome.WAITLISTED:
        reason = f"Liste d'attente, rang {planned.waitlist_rank}. {reason}"
    application_services.record_decision(
        acting_user=acting_user, application=application, status=planned.outcome, reason=reason
    )
    decision = Decision(
        run=run,
        application=application,
        outcome=planned.outcome,
        waitlist_rank=planned.waitlist_rank,
        code=planned.code,
        reason=reason,
        score=planned.score,
        amount=planned.amount,
        decided_at=now,
        letter_number=f"{run.call.slug}-decision-{application.pk}",
    )
    decision.letter_pdf = letter_pdf(decision, signatory)
    decision.letter_sha256 = hashlib.sha256(decision.letter_pdf).hexdigest()
    decision.save()
    return decision
