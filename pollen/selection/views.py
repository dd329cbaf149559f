"""The committee's pages: each view checks access, parses, calls one service, renders."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pollen.accounts.models import AuthedRequest
from pollen.accounts.reauth import recent_auth_required
from pollen.applications.selectors import can_view
from pollen.calls.models import Call
from pollen.jobs.views import see_job
from pollen.selection import adapters, forms, jobs, selectors, services
from pollen.selection.maps import coverage_maps
from pollen.selection.models import SelectionRun
from pollen.selection.records import WAITLIST_SIZE


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    calls = selectors.committee_calls(request.user)
    return render(request, "selection/index.html", {"calls": calls})


def _committee_context(call: Call, form: forms.ScenarioForm, pool: adapters.Pool) -> dict[str, Any]:
    return {
        "call": call,
        "form": form,
        "pool": pool,
        "runs": selectors.runs_of(call),
        "frozen": selectors.frozen_run_of(call),
        "time_limit": f"{services.TIME_LIMIT_S:g}",
    }


@login_required
def committee(request: AuthedRequest, slug: str) -> HttpResponse:
    call = selectors.access_committee_call(request.user, slug)
    pool = adapters.candidate_pool(call)
    runs = selectors.runs_of(call)
    source = (
        runs.filter(pk=request.GET["depuis"]).first()
        if request.GET.get("depuis", "").isdigit()
        else None
    )
    initial = (
        forms.initial_from_run(source.parameters, _("%(name)s (variante)") % {"name": source.name})
        if source
        else forms.initial_for(call, runs.count())
    )
    form = forms.ScenarioForm(initial=initial, pool=pool)
    return render(request, "selection/committee.html", _committee_context(call, form, pool))


@login_required
@require_POST
def run(request: AuthedRequest, slug: str) -> HttpResponse:
    call = selectors.access_committee_call(request.user, slug)
    pool = adapters.candidate_pool(call)
    form = forms.ScenarioForm(request.POST, pool=pool)
    if form.is_valid():
        # The solve takes up to minutes at 10,000 candidates: a job, followed on its own page.
        job = jobs.start_scenario(
            acting_user=request.user,
            call=call,
            name=form.cleaned_data["name"],
            parameters=form.parameters(),
        )
        return see_job(request, job)
    template = "selection/_scenario_form.html" if request.htmx else "selection/committee.html"
    return render(request, template, _committee_context(call, form, pool))


@login_required
def run_detail(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    selection_run = selectors.access_run(request.user, slug, pk)
    context = {
        "call": selection_run.call,
        "run": selection_run,
        "rows": selectors.candidate_rows(selection_run),
        "columns": _columns([selection_run]),
        "freeze_refusal": services.can_freeze_reason(selection_run),
        "maps": coverage_maps(selection_run) if selection_run.figures else None,
        "waitlist_size": WAITLIST_SIZE,
    }
    return render(request, "selection/run.html", context)


def _columns(runs: list[SelectionRun]) -> list[dict[str, Any]]:
    """One column per (run, portfolio) for the figures table."""
    labels = {
        "optimum": _("Optimum"),
        "ranking": _("Par le classement"),
        "score_per_euro": _("Note par euro"),
    }
    columns = []
    for selection_run in runs:
        for key, label in labels.items():
            figures = (selection_run.figures or {}).get(key)
            if figures:
                title = label if len(runs) == 1 else f"{selection_run.name} — {label}"
                columns.append({"key": key, "label": title, "run": selection_run, **figures})
    return columns


@login_required
def problem_json(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    selection_run = selectors.access_run(request.user, slug, pk)
    response = HttpResponse(selection_run.problem, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="selection-{selection_run.call.slug}-{selection_run.pk}.json"'
    )
    return response


@login_required
def compare(request: AuthedRequest, slug: str) -> HttpResponse:
    call = selectors.access_committee_call(request.user, slug)
    runs = selectors.runs_of(call)
    chosen = [request.GET.get("a", ""), request.GET.get("b", "")]
    picked = [runs.filter(pk=int(v)).first() for v in chosen if v.isdigit()]
    pair = [r for r in picked if r is not None and r.figures]
    context: dict[str, Any] = {
        "call": call,
        "runs": runs,
        "pair": pair,
        "a": chosen[0],
        "b": chosen[1],
    }
    if len(pair) == 2:
        context["columns"] = [c for c in _columns(pair) if c["key"] == "optimum"]
        context["sides"] = [
            {"run": r, "rows": selectors.candidate_rows(r), "maps": coverage_maps(r)} for r in pair
        ]
    return render(request, "selection/compare.html", context)


@login_required
@require_POST
@recent_auth_required()  # freezing decides who is funded
def freeze(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    selection_run = selectors.access_run(request.user, slug, pk)
    reason = services.can_freeze_reason(selection_run)  # said at once; the job checks it again
    if reason:
        messages.error(request, reason)
        return redirect("selection:run_detail", slug=slug, pk=pk)
    # One decision and one PDF letter per candidate: a job, followed on its own page.
    return see_job(request, jobs.start_freeze(acting_user=request.user, run=selection_run))


@login_required
def decisions(request: AuthedRequest, slug: str) -> HttpResponse:
    call = selectors.access_committee_call(request.user, slug)
    context = {
        "call": call,
        "frozen": selectors.frozen_run_of(call),
        "decisions": selectors.decisions_of(call),
        "waitlist_size": WAITLIST_SIZE,
    }
    return render(request, "selection/decisions.html", context)


@login_required
def decision(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.access_decision(request.user, pk)
    context = {
        "decision": found,
        "application": found.application,
        # The committee reads the decision, not the file: no link it would find closed.
        "application_open": bool(can_view(request.user, found.application)),
    }
    return render(request, "selection/decision.html", context)


@login_required
def letter(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.access_decision(request.user, pk)
    response = HttpResponse(bytes(found.letter_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.letter_number}.pdf"'
    return response
