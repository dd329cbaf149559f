"""Public pages of calls: the list of calls and each call's rules in plain French."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from pollen import clock
from pollen.calls.models import Call
from pollen.calls.selectors import published_calls
from pollen.domain.apply.eligibility import rule_statements

APPLICANT = "applicant"  # accounts.Role.APPLICANT, which this lower layer may not import


def home(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    calls = list(published_calls())
    return render(
        request,
        "calls/home.html",
        {
            "open_calls": [c for c in calls if c.opens_at <= now <= c.closes_at],
            "other_calls": [c for c in calls if not (c.opens_at <= now <= c.closes_at)],
            "now": now,
        },
    )


def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(Call.objects.select_related("programme"), slug=slug, is_published=True)
    spec = call.spec
    now = clock.now()
    return render(
        request,
        "calls/detail.html",
        {
            "call": call,
            "spec": spec,
            "statements": rule_statements(spec),
            "is_open": spec.is_open_at(now),
            # Only applicants apply; a visitor is offered it too (they sign in first).
            "may_apply": getattr(request.user, "role", APPLICANT) == APPLICANT,
            "now": now,
            "total_weight": sum(c.weight for c in spec.scoring.criteria),
        },
    )
