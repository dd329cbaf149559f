"""One application under instruction: its message thread, completeness, and its reviews."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pollen.accounts.models import AuthedRequest
from pollen.applications import services as application_services
from pollen.domain.apply import status as states
from pollen.review import forms, selectors, services
from pollen.review.models import ReviewStatus, ScoreSummary
from pollen.review.scoring_adapter import marks_of


@login_required
def thread(request: AuthedRequest, pk: int) -> HttpResponse:
    application = selectors.access_thread(request.user, pk)
    form = forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_message(
                acting_user=request.user, application=application, body=form.cleaned_data["body"]
            )
        except services.ReviewError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Message envoyé."))
            return redirect("review:thread", pk=pk)
    is_staff = request.user.is_programme_staff
    return render(
        request,
        "review/thread.html",
        {
            "application": application,
            "thread": selectors.messages_of(application),
            "form": form,
            "is_staff": is_staff,
            "completeness_form": forms.CompletenessForm(spec=application.call.spec)
            if is_staff
            else None,
            "can_complete": is_staff and application.allows(states.MARK_COMPLETE),
            "can_ask": is_staff and application.allows(states.REOPEN),
            "assignments": application.review_assignments.select_related("expert__user", "review")
            if is_staff
            else [],
            "submissions": application.submissions.order_by("round"),
        },
    )


@login_required
@require_POST
def completeness(request: AuthedRequest, pk: int) -> HttpResponse:
    application = selectors.access_application_to_instruct(request.user, pk)
    form = forms.CompletenessForm(request.POST, spec=application.call.spec)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("review:thread", pk=pk)
    message = form.cleaned_data["message"]
    try:
        if form.cleaned_data["action"] == "complete":
            services.declare_complete(
                acting_user=request.user, application=application, message=message
            )
            messages.success(request, _("Candidature déclarée complète ; le porteur est prévenu."))
        else:
            services.ask_for_corrections(
                acting_user=request.user,
                application=application,
                message=message,
                missing_documents=form.missing_labels(),
            )
            messages.success(
                request,
                _("Compléments demandés : le porteur est prévenu et pourra redéposer."),
            )
    except (services.ReviewError, application_services.ApplicationError) as exc:
        messages.error(request, str(exc))
    return redirect("review:thread", pk=pk)


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
        "review/application_reviews.html",
        {
            "application": application,
            "criteria": criteria,
            "rows": rows,
            "pending": application.review_assignments.count() - len(rendered),
            "summary": ScoreSummary.objects.filter(application=application).first(),
            "threshold": spec.scoring.disagreement_threshold,
        },
    )
