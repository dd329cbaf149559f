"""When no assignment exists: the domain's reasons, with the applications and experts named."""

from django.http import HttpResponse
from django.shortcuts import render

from pollen.accounts.models import AuthedRequest
from pollen.calls.models import Call
from pollen.review.expert_services import AssignmentOutcome


def reasons_for_people(outcome: AssignmentOutcome) -> list[dict[str, object]]:
    """Each reason's sentence plus the titles and names behind the ids it cites."""
    rows: list[dict[str, object]] = []
    for reason in outcome.result.reasons:
        rows.append(
            {
                "code": reason.code,
                "message": reason.message,
                "applications": [
                    outcome.applications[a]
                    for a in reason.applications
                    if a in outcome.applications
                ],
                "experts": [outcome.experts[e] for e in reason.experts if e in outcome.experts],
            }
        )
    return rows


def render_outcome(
    request: AuthedRequest, call: Call, outcome: AssignmentOutcome, back: str
) -> HttpResponse:
    return render(
        request,
        "review/assignment_failed.html",
        {
            "call": call,
            "reasons": reasons_for_people(outcome),
            "k": call.spec.reviewers_per_application,
            "count": len(outcome.applications),
            "return_query": back,
        },
        status=409,
    )
