"""The committee's long work as jobs (pollen.jobs): a scenario's solve, a freeze's letters."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pollen import jobs
from pollen.accounts.models import User
from pollen.calls.models import Call
from pollen.jobs import services as job_services
from pollen.jobs.models import Job
from pollen.permissions import Refused
from pollen.selection import adapters, services
from pollen.selection.models import SelectionRun
from pollen.selection.selectors import can_sit

SCENARIO = "selection.scenario"
# Freezing writes one decision and one PDF letter per candidate: thousands at full size.
FREEZE = "selection.freeze"


def start_scenario(
    *, acting_user: User, call: Call, name: str, parameters: adapters.ScenarioParameters
) -> Job:
    """Queue the solve; the page checked access, the service checks it again when it runs."""
    params = {"call": call.pk, "name": name, "parameters": parameters.as_json()}
    return job_services.start(SCENARIO, owner=acting_user, params=params)


def solve_scenario(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    call = Call.objects.filter(pk=job.params["call"]).first()
    owner = User.objects.filter(pk=job.owner_id).first() if job.owner_id else None
    if call is None or owner is None:
        raise jobs.Failed(gettext("L'appel ou la personne qui a demandé ce calcul n'existe plus."))
    try:
        run = services.run_scenario(
            acting_user=owner,
            call=call,
            name=job.params["name"],
            parameters=adapters.ScenarioParameters.from_json(job.params["parameters"]),
            job_id=job.pk,
            progress=progress,
        )
    except (services.SelectionError, Refused) as exc:
        raise jobs.Failed(str(exc)) from exc
    url = reverse("selection:run_detail", args=[call.slug, run.pk])
    return jobs.Outcome(url=url, data={"run": run.pk})


def start_freeze(*, acting_user: User, run: SelectionRun) -> Job:
    params = {"call": run.call_id, "run": run.pk}
    return job_services.start(FREEZE, owner=acting_user, params=params)


def freeze_run(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """Decisions and letters in freeze_run's one transaction: all of them, or none. A second run
    of the job finds the run frozen and goes to the decisions (freezing twice is refused)."""
    run = SelectionRun.objects.select_related("call").filter(pk=job.params["run"]).first()
    owner = User.objects.filter(pk=job.owner_id).first() if job.owner_id else None
    if run is None or owner is None:
        raise jobs.Failed(gettext("Le scénario ou la personne qui l'a figé n'existe plus."))
    url = reverse("selection:decisions", args=[run.call.slug])
    if run.frozen_at is not None:
        return jobs.Outcome(url=url)
    progress(0, 1, gettext("Décisions et lettres aux porteurs"))
    try:
        decisions = services.freeze_run(acting_user=owner, run=run)
    except (services.SelectionError, Refused) as exc:
        raise jobs.Failed(str(exc)) from exc
    return jobs.Outcome(url=url, data={"decisions": len(decisions)})


def committee_may_follow(user: Any, job: Job) -> bool:
    call = Call.objects.filter(pk=job.params.get("call")).first()
    return call is not None and bool(can_sit(user, call))


def register() -> None:
    jobs.register(
        SCENARIO, solve_scenario, can_view=committee_may_follow, title=_("Calcul d'un scénario")
    )
    jobs.register(
        FREEZE, freeze_run, can_view=committee_may_follow, title=_("Décisions et lettres")
    )
