"""One application under instruction: its message thread and its completeness."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pollen.accounts.models import AuthedRequest
from pollen.applications import services as application_services
from pollen.domain.apply import status as states
from pollen.instruction import forms, selectors, services


@login_required
def thread(request: AuthedRequest, pk: int) -> HttpResponse:
    application = selectors.access_thread(request.user, pk)
    form = forms.MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.post_message(
                acting_user=request.user, application=application, body=form.cleaned_data["body"]
            )
        except services.InstructionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Message envoyé."))
            return redirect("instruction:thread", pk=pk)
    is_staff = request.user.is_programme_staff
    return render(
        request,
        "instruction/thread.html",
        {
            "application": application,
            "spec": application.call.spec,
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
        return redirect("instruction:thread", pk=pk)
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
                missing_documents=form.cleaned_data["missing_documents"],
            )
            messages.success(
                request,
                _("Compléments demandés : le porteur est prévenu et pourra redéposer."),
            )
    except (services.InstructionError, application_services.ApplicationError) as exc:
        messages.error(request, str(exc))
    return redirect("instruction:thread", pk=pk)
