"""Submitting: the recap with the sworn statement, the submission itself, the receipt."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pollen import clock
from pollen.accounts.models import AuthedRequest
from pollen.applications import adapters, forms, selectors, services
from pollen.applications.models import Application
from pollen.applications.receipts_pdf import receipt_pdf
from pollen.domain.apply import budget as domain_budget
from pollen.domain.apply import eligibility
from pollen.domain.apply.budget import ResourceKind
from pollen.domain.apply.receipts import SWORN_STATEMENT
from pollen.formatting import sentence


@login_required
@require_safe
def recap(request: AuthedRequest, pk: int) -> HttpResponse:
    """Everything the applicant is about to submit, read back before they swear to it."""
    application = selectors.access_application(request.user, pk)
    decision = selectors.can_edit(request.user, application)
    if not decision:
        messages.info(request, decision.reason)
        return redirect("applications:detail", pk=pk)
    return _recap_page(request, application, forms.SubmitForm())


def _recap_page(
    request: AuthedRequest, application: Application, form: forms.SubmitForm
) -> HttpResponse:
    spec = application.call.spec
    budget = adapters.budget_of(application)
    documents = adapters.active_documents(application)
    context: dict[str, Any] = {
        "application": application,
        "spec": spec,
        "form": form,
        "figures": domain_budget.figures(budget, spec.investment_categories),
        "result": eligibility.check(spec, adapters.facts_of(application, clock.now())),
        "cofunding": [
            r for r in application.resource_lines.all() if r.kind != ResourceKind.REQUESTED_SUBSIDY
        ],
        "document_slots": [
            {"spec": d, "files": [x for x in documents if x.doc_type == d.id]}
            for d in spec.documents
        ],
        "email": request.user.email,
        "call_shut": selectors.call_window_shut(application, clock.now()),
    }
    return render(request, "applications/recap.html", context)


@login_required
@require_POST
def submit(request: AuthedRequest, pk: int) -> HttpResponse:
    form = forms.SubmitForm(request.POST)
    if not form.is_valid():
        # Unsworn: the recap again, the reason at the checkbox (after the same access checks).
        application = selectors.access_application(request.user, pk)
        if not (decision := selectors.can_submit(request.user, application)):
            raise PermissionDenied(decision.reason)
        if not application.is_editable:
            return redirect("applications:detail", pk=pk)
        return _recap_page(request, application, form)
    # The service checks who may submit, on the row it locks (404 / 403 as everywhere else).
    try:
        outcome = services.submit_application(
            acting_user=request.user, application_id=pk, sworn_statement=SWORN_STATEMENT
        )
    except services.ApplicationNotFound as exc:
        raise Http404(str(exc)) from exc
    except services.SubmissionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.SubmissionRefused as exc:
        messages.error(request, _("Dépôt refusé : %(reason)s") % {"reason": exc})
        for verdict in exc.result.verdicts if exc.result else ():
            if not verdict.passed:
                messages.error(request, sentence(verdict))
        return redirect("applications:edit", pk=pk)
    except services.ApplicationError as exc:
        messages.error(request, str(exc))
        return redirect("applications:detail", pk=pk)
    # The receipt page itself says the application is submitted: no flash message to sign.
    return redirect("applications:receipt", pk=pk, round_number=outcome.submission.round)


@login_required
def receipt(request: AuthedRequest, pk: int, round_number: int) -> HttpResponse:
    submission = selectors.access_submission(request.user, pk, round_number)
    return render(
        request,
        "applications/receipt.html",
        {"submission": submission, "application": submission.application},
    )


@login_required
def receipt_download(request: AuthedRequest, pk: int, round_number: int) -> HttpResponse:
    submission = selectors.access_submission(request.user, pk, round_number)
    response = HttpResponse(receipt_pdf(submission), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="accuse-reception-{submission.receipt_number}.pdf"'
    )
    return response
