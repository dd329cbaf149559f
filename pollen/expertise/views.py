"""The expert's pages (profile, conflicts, assignments, reviews) and the scores read back."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pollen.accounts.models import AuthedRequest, User
from pollen.applications import adapters
from pollen.applications.models import Application
from pollen.domain.apply import budget as domain_budget
from pollen.expertise import forms, review_services, selectors, services
from pollen.expertise.models import Review, ReviewStatus, ScoreSummary
from pollen.expertise.scoring_adapter import marks_of
from pollen.expertise.services import ExpertiseError


def _conflict_choices(user: User) -> list[tuple[int, str]]:
    return [
        (a.pk, f"{a.title} — {a.organisation.legal_name} ({a.call.slug})")
        for a in selectors.applications_under_review(user=user)
    ]


@login_required
def my_reviews(request: AuthedRequest) -> HttpResponse:
    profile = selectors.access_expert_profile(request.user)
    return render(
        request,
        "expertise/my_reviews.html",
        {
            "profile": profile,
            "assignments": selectors.assignments_of(profile) if profile else [],
            "conflicts": selectors.declared_conflicts(profile) if profile else [],
            "conflict_form": forms.ConflictForm(applications=_conflict_choices(request.user))
            if profile
            else None,
        },
    )


@login_required
def my_profile(request: AuthedRequest) -> HttpResponse:
    profile = selectors.access_expert_profile(request.user)
    initial: dict[str, Any] = {"max_load": 6}
    if profile is not None:
        initial = {
            "tags": profile.tags,
            "organisation_name": profile.organisation_name,
            "commune": profile.commune,
            "max_load": profile.max_load,
        }
    form = forms.ExpertProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.save_expert_profile(
            acting_user=request.user,
            user=request.user,
            tags=data["tags"],
            organisation_name=data["organisation_name"],
            commune=data["commune"],
            max_load=data["max_load"],
        )
        messages.success(request, _("Votre profil d'expert est enregistré."))
        return redirect("expertise:my_reviews")
    return render(request, "expertise/my_profile.html", {"form": form, "profile": profile})


@login_required
@require_POST
def declare_conflict(request: AuthedRequest) -> HttpResponse:
    profile = selectors.access_expert_profile(request.user)
    if profile is None:
        raise PermissionDenied(_("Décrivez d'abord votre profil d'expert."))
    form = forms.ConflictForm(request.POST, applications=_conflict_choices(request.user))
    if not form.is_valid():
        messages.error(request, _("Choisissez la candidature et indiquez le motif du conflit."))
        return redirect("expertise:my_reviews")
    application = get_object_or_404(
        selectors.applications_under_review(user=request.user), pk=form.cleaned_data["application"]
    )
    try:
        services.declare_conflict(
            acting_user=request.user,
            profile=profile,
            application=application,
            reason=form.cleaned_data["reason"],
        )
    except ExpertiseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Conflit d'intérêts déclaré : « %(title)s » ne vous sera pas confiée.")
            % {"title": application.title},
        )
    return redirect("expertise:my_reviews")


def _initial(review: Review | None) -> dict[str, Any]:
    if review is None:
        return {}
    initial: dict[str, Any] = {f"score_{k}": v for k, v in review.scores.items()}
    initial.update({"comments": review.comments, "recommendation": review.recommendation})
    return initial


def _application_context(assignment_application_pk: int) -> dict[str, Any]:
    application = (
        Application.objects.select_related("call", "organisation", "organisation__commune")
        .prefetch_related("expense_lines", "resource_lines", "documents")
        .get(pk=assignment_application_pk)
    )
    spec = application.call.spec
    return {
        "application": application,
        "spec": spec,
        "figures": domain_budget.figures(
            adapters.budget_of(application), spec.investment_categories
        ),
        "documents": adapters.active_documents(application),
    }


@login_required
def review(request: AuthedRequest, pk: int) -> HttpResponse:
    assignment = selectors.access_assignment(request.user, pk)
    context = _application_context(assignment.application_id)
    existing = Review.objects.filter(assignment=assignment).first()
    form = forms.ReviewForm(request.POST or None, spec=context["spec"], initial=_initial(existing))
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            review_services.save_review(
                acting_user=request.user,
                assignment=assignment,
                marks=form.marks(),
                comments=form.cleaned_data["comments"],
                recommendation=form.cleaned_data["recommendation"],
                submit=submit,
            )
        except review_services.ReviewRefused as exc:
            problems = [p.message for p in exc.problems]
        except ExpertiseError as exc:
            messages.error(request, str(exc))
            return redirect("expertise:review", pk=pk)
        else:
            if submit:
                messages.success(request, _("Évaluation rendue. Merci !"))
                return redirect("expertise:application_reviews", pk=pk)
            messages.success(request, _("Brouillon d'évaluation enregistré."))
            return redirect("expertise:review", pk=pk)
    context.update(
        {"assignment": assignment, "review": existing, "form": form, "problems": problems}
    )
    return render(request, "expertise/review_form.html", context)


@login_required
def application_reviews(request: AuthedRequest, pk: int) -> HttpResponse:
    """The aggregate and every rendered review; drafts are counted, never shown."""
    application = selectors.access_application_reviews(request.user, pk)
    spec = application.call.spec
    reviews = list(selectors.reviews_of(application))
    rendered = [r for r in reviews if r.status == ReviewStatus.SUBMITTED]
    criteria = spec.scoring.criteria
    rows = [
        {
            "review": r,
            "marks": [marks_of(r.scores).get(c.id) for c in criteria],
        }
        for r in rendered
    ]
    return render(
        request,
        "expertise/application_reviews.html",
        {
            "application": application,
            "criteria": criteria,
            "rows": rows,
            "pending": application.review_assignments.count() - len(rendered),
            "summary": ScoreSummary.objects.filter(application=application).first(),
            "threshold": spec.scoring.disagreement_threshold,
        },
    )


@login_required
def ranking(request: AuthedRequest, slug: str) -> HttpResponse:
    call = selectors.access_call_ranking(request.user, slug)
    spec = call.spec
    return render(
        request,
        "expertise/ranking.html",
        {
            "call": call,
            "ranking": selectors.ranking_of(call),
            "spec": spec,
            "threshold": spec.scoring.disagreement_threshold,
            "awaiting": call.applications.filter(status__in=selectors.REVIEWABLE)
            .filter(score_summary__isnull=True)
            .count(),
        },
    )
