"""The instructor's long work as jobs (pollen.jobs): the list's export, the experts' assignment."""

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pollen import jobs
from pollen.accounts.models import User
from pollen.calls.models import Call
from pollen.expertise import selectors as expertise_selectors
from pollen.instruction import assignment_services, exports, list_filters, selectors
from pollen.instruction.services import InstructionError
from pollen.jobs import services as job_services
from pollen.jobs.models import Job, JobStatus
from pollen.permissions import Refused

EXPORT = "instruction.export"
# Solving, then replacing the pending assignments and mailing the experts: seconds at full size.
ASSIGNMENT = "instruction.assignment"
FORMATS = {
    "xlsx": (exports.xlsx_bytes, exports.XLSX_TYPE),
    "csv": (exports.csv_bytes, exports.CSV_TYPE),
}
# The list's query parameter naming the assignment job whose figures it shows once.
DONE_PARAM = "affectation"


def _owner_and_call(job: Job) -> tuple[User, Call]:
    """The job's owner and call, if they may still instruct it; else a refusal no retry changes."""
    owner = User.objects.filter(pk=job.owner_id).first() if job.owner_id else None
    if owner is None:
        raise jobs.Failed(gettext("La personne qui a demandé ce travail n'existe plus."))
    try:
        return owner, selectors.access_call_for_instruction(owner, str(job.params["call"]))
    except (PermissionDenied, Http404) as exc:
        raise jobs.Failed(
            gettext("Vous ne pouvez plus instruire cet appel : le travail n'a pas été fait.")
        ) from exc


def start_export(*, acting_user: User, call: Call, query: str, fmt: str) -> Job:
    """Queue the export of the list as filtered by `query` (the list's query string)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    params = {"call": call.slug, "query": query, "fmt": fmt}
    return job_services.start(EXPORT, owner=acting_user, params=params)


def export(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """The file under the job's name: a second run writes the same rows again, replacing it."""
    _owner, call = _owner_and_call(job)
    form = list_filters.ListFilterForm(
        QueryDict(str(job.params.get("query", ""))),
        call=call,
        experts=expertise_selectors.expert_choices(call),
    )
    query = list_filters.ListQuery.from_form(form)
    qs = list_filters.ordered(list_filters.filtered(call, query), query)
    fmt = str(job.params.get("fmt", "xlsx"))
    write, content_type = FORMATS.get(fmt, FORMATS["xlsx"])
    return jobs.Outcome(
        content=write(qs, progress),
        filename=f"candidatures-{call.slug}.{fmt if fmt in FORMATS else 'xlsx'}",
        content_type=content_type,
    )


def start_assignment(
    *, acting_user: User, call: Call, application_ids: list[int], return_query: str
) -> Job:
    params = {
        "call": call.slug,
        "applications": sorted(application_ids),
        "return_query": return_query,
    }
    return job_services.start(ASSIGNMENT, owner=acting_user, params=params)


def assign(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """assign_experts as the job's owner (it checks access again and writes the events); keyed
    by the job, so a second run stores nothing more and finds the first's figures."""
    owner, call = _owner_and_call(job)
    applications = list(call.applications.filter(pk__in=job.params.get("applications", [])))
    progress(0, 1, gettext("Recherche de la meilleure affectation"))
    try:
        outcome = assignment_services.assign_experts(
            acting_user=owner, call=call, applications=applications, job_id=job.pk
        )
    except (InstructionError, Refused) as exc:
        raise jobs.Failed(str(exc)) from exc
    if not outcome.result.feasible or outcome.run is None:
        raise jobs.Failed(infeasible_message(call, outcome))
    back = QueryDict(str(job.params.get("return_query", "")), mutable=True)
    back[DONE_PARAM] = str(job.pk)
    url = f"{reverse('instruction:list', args=[call.slug])}?{back.urlencode()}"
    run = outcome.run
    data = {
        "applications": run.applications,
        "created": run.created,
        "total_affinity": run.total_affinity,
    }
    return jobs.Outcome(url=url, data=data)


def infeasible_message(call: Call, outcome: assignment_services.AssignmentOutcome) -> str:
    """What the 409 page said, in one paragraph: the constraint to relax, with names."""
    parts = [
        gettext(
            "Aucune affectation ne respecte toutes les contraintes : il faut %(k)d experts pour "
            "chacune des %(count)d candidatures, chaque expert dans la limite de sa charge et "
            "sans conflit d'intérêts. Rien n'a été enregistré. Voici la contrainte à relâcher :"
        )
        % {"k": call.spec.reviewers_per_application, "count": len(outcome.applications)}
    ]
    for reason in outcome.result.reasons:
        parts.append(reason.message)
        titles = [
            f"{outcome.applications[a].title} ({outcome.applications[a].pk})"
            for a in reason.applications
            if a in outcome.applications
        ]
        if titles:
            parts.append(gettext("Candidatures : %(titles)s.") % {"titles": ", ".join(titles)})
        names = [
            f"{expert.user.full_name or expert.user.email} ({expert.max_load})"
            for e in reason.experts
            if (expert := outcome.experts.get(e)) is not None
        ]
        if names:
            parts.append(
                gettext("Experts (et leur charge) : %(names)s.") % {"names": ", ".join(names)}
            )
    return " ".join(parts)


def done_message(user: Any, raw: str) -> str:
    """The success sentence of the assignment job named in the list's URL, for its followers."""
    try:
        pk = uuid.UUID(raw)
    except ValueError:
        return ""
    job = Job.objects.filter(pk=pk, kind=ASSIGNMENT, status=JobStatus.DONE).first()
    if job is None or not (job.owner_id == user.pk or instructs_its_call(user, job)):
        return ""
    figures = job.result
    return gettext(
        "Affectation enregistrée : %(apps)d candidature(s), %(created)d nouvelle(s) "
        "affectation(s), affinité totale %(affinity)d (l'affinité compte les thèmes "
        "d'expertise que chaque expert partage avec la candidature qu'il évalue)."
    ) % {
        "apps": int(figures.get("applications", 0)),
        "created": int(figures.get("created", 0)),
        "affinity": int(figures.get("total_affinity", 0)),
    }


def instructs_its_call(user: Any, job: Job) -> bool:
    """The team of the job's call may follow its export or assignment (as on the list)."""
    call = Call.objects.filter(slug=job.params.get("call")).first()
    return call is not None and bool(selectors.can_instruct(user, call))


def register() -> None:
    jobs.register(EXPORT, export, can_view=instructs_its_call, title=_("Export des candidatures"))
    jobs.register(
        ASSIGNMENT, assign, can_view=instructs_its_call, title=_("Affectation des experts")
    )
