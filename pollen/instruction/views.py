"""Instruction pages: each view checks access, parses, calls one service, renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pollen.accounts.models import AuthedRequest, Role
from pollen.applications.models import Application, Status
from pollen.calls.models import Call
from pollen.calls.selectors import published_calls
from pollen.expertise import selectors as expertise_selectors
from pollen.instruction import assignment_services, forms, jobs, list_filters, list_rows, selectors
from pollen.instruction.models import PairRule
from pollen.instruction.services import InstructionError, bulk_completeness
from pollen.jobs.views import see_job
from pollen.programmes import for_staff


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """Where instruction starts: the calls for the team and the committee, the list for experts."""
    user = request.user
    if user.has_role(Role.EXPERT):
        return redirect("expertise:my_reviews")
    decision = expertise_selectors.can_read_ranking(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    return render(
        request,
        "instruction/index.html",
        {
            "calls": for_staff(published_calls(), user, path="programme"),
            "can_instruct": bool(selectors.can_instruct(user)),
        },
    )


def _query(
    request: AuthedRequest, call: Call
) -> tuple[list_filters.ListFilterForm, list_filters.ListQuery]:
    form = list_filters.ListFilterForm(
        request.GET, call=call, experts=expertise_selectors.expert_choices(call)
    )
    return form, list_filters.ListQuery.from_form(form)


@login_required
def application_list(request: AuthedRequest, slug: str) -> HttpResponse:
    call = selectors.access_call_for_instruction(request.user, slug)
    # Back from an assignment job: its figures, said once on arrival (not kept in the links).
    if done := jobs.done_message(request.user, request.GET.get(jobs.DONE_PARAM, "")):
        messages.success(request, done)
    form, query = _query(request, call)
    # Sorting ids only keeps the sort narrow; the page's rows are then read by id.
    ids = list_filters.ordered(list_filters.filtered(call, query), query).values_list(
        "id", flat=True
    )
    counts = list_filters.status_counts(call, query)
    paginator = list_filters.CountedPaginator(
        ids, query.per_page, count=list_filters.matching(counts, query)
    )
    page = paginator.get_page(request.GET.get("page"))
    applications = selectors.page_of_applications(list(page.object_list))
    return render(
        request,
        "instruction/list.html",
        {
            "call": call,
            "form": form,
            "page": page,
            "rows": list_rows.rows_of(applications),
            "counts": counts,
            "bulk_form": forms.BulkActionForm(),
            "current_query": _without(request.GET, jobs.DONE_PARAM),
            "query_without_status": _without(request.GET, "status", "page", jobs.DONE_PARAM),
            "complete_count": call.applications.filter(status=Status.COMPLETE).count(),
        },
    )


def _without(params: QueryDict, *names: str) -> str:
    copy = params.copy()
    for name in names:
        copy.pop(name, None)
    return copy.urlencode()


def _export(request: AuthedRequest, slug: str, fmt: str) -> HttpResponse:
    """The list as filtered, written by a job: GET starts it (it writes only the job's row)
    and answers 303 to the job's page, which offers the file once written."""
    call = selectors.access_call_for_instruction(request.user, slug)
    query = _without(request.GET, "page", "per_page", jobs.DONE_PARAM)
    job = jobs.start_export(acting_user=request.user, call=call, query=query, fmt=fmt)
    return see_job(request, job)


@login_required
@require_GET
def export_csv(request: AuthedRequest, slug: str) -> HttpResponse:
    return _export(request, slug, "csv")


@login_required
@require_GET
def export_xlsx(request: AuthedRequest, slug: str) -> HttpResponse:
    return _export(request, slug, "xlsx")


def _back_to_list(call: Call, raw_query: str) -> HttpResponse:
    # Re-encoded, so only a query string can follow the list's fixed path.
    query = QueryDict(raw_query).urlencode()
    url = reverse("instruction:list", args=[call.slug])
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def bulk_action(request: AuthedRequest, slug: str) -> HttpResponse:
    call = selectors.access_call_for_instruction(request.user, slug)
    form = forms.BulkActionForm(request.POST)
    back = request.POST.get("return_query", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _back_to_list(call, back)
    action, ids = form.cleaned_data["action"], form.cleaned_data["ids"]
    if action == "assign":
        applications = list(call.applications.filter(pk__in=ids))
        return _assign(request, call, applications, back)
    outcome = bulk_completeness(
        acting_user=request.user,
        call=call,
        application_ids=ids,
        action=action,
        message=form.cleaned_data["message"],
    )
    if outcome.done:
        messages.success(request, _("%(n)d candidature(s) traitée(s).") % {"n": len(outcome.done)})
    for application, reason in outcome.refused[:10]:
        messages.warning(
            request,
            _("« %(title)s » : %(reason)s") % {"title": application.title, "reason": reason},
        )
    return _back_to_list(call, back)


def _assign(
    request: AuthedRequest, call: Call, applications: list[Application], back: str
) -> HttpResponse:
    """The solve and its writes run as a job; its result is the list, with the figures."""
    job = jobs.start_assignment(
        acting_user=request.user,
        call=call,
        application_ids=[a.pk for a in applications],
        return_query=back,
    )
    return see_job(request, job)


@login_required
@require_POST
def run_assignment(request: AuthedRequest, slug: str) -> HttpResponse:
    """Assign experts to every complete application of the call."""
    call = selectors.access_call_for_instruction(request.user, slug)
    applications = list(call.applications.filter(status=Status.COMPLETE))
    return _assign(request, call, applications, request.POST.get("return_query", ""))


def _pair_choices(call: Call) -> list[tuple[int, str]]:
    return [
        (a.pk, f"{a.title} — {a.organisation.legal_name}")
        for a in expertise_selectors.applications_under_review(call)
    ]


@login_required
def pair_rules(request: AuthedRequest, slug: str) -> HttpResponse:
    call = selectors.access_call_for_instruction(request.user, slug)
    form = forms.PairRuleForm(
        request.POST or None,
        applications=_pair_choices(call),
        experts=expertise_selectors.expert_choices(call),
    )
    if request.method == "POST" and form.is_valid():
        application = get_object_or_404(Application, pk=form.cleaned_data["application"], call=call)
        profile = get_object_or_404(
            expertise_selectors.experts(call), pk=form.cleaned_data["expert"]
        )
        try:
            assignment_services.set_pair_rule(
                acting_user=request.user,
                application=application,
                profile=profile,
                kind=form.cleaned_data["kind"],
            )
        except InstructionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Règle enregistrée ; elle s'applique à la prochaine affectation.")
            )
            return redirect("instruction:pairs", slug=call.slug)
    return render(
        request,
        "instruction/pairs.html",
        {"call": call, "form": form, "rules": selectors.pair_rules_of(call)},
    )


@login_required
@require_POST
def pair_delete(request: AuthedRequest, slug: str, pk: int) -> HttpResponse:
    call = selectors.access_call_for_instruction(request.user, slug)
    rule = get_object_or_404(
        PairRule.objects.select_related("application", "expert__user"),
        pk=pk,
        application__call=call,
    )
    assignment_services.remove_pair_rule(acting_user=request.user, rule=rule)
    messages.success(request, _("Règle retirée."))
    return redirect("instruction:pairs", slug=call.slug)


@login_required
def expert_list(request: AuthedRequest) -> HttpResponse:
    decision = selectors.can_instruct(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)
    profiles = expertise_selectors.experts(user=request.user).annotate(
        load=Count("assignments", distinct=True),
        rendered=Count(
            "assignments", filter=Q(assignments__review__status="submitted"), distinct=True
        ),
        declared=Count("conflicts", distinct=True),
    )
    return render(request, "instruction/experts.html", {"profiles": profiles})
