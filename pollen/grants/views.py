"""Grant pages: each view checks access, parses, calls one service, renders."""

import csv
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pollen import clock
from pollen.accounts.models import AuthedRequest
from pollen.accounts.reauth import recent_auth_required
from pollen.applications import selectors as application_selectors
from pollen.applications.models import Status
from pollen.calls.models import Programme
from pollen.domain.apply.money import from_cents
from pollen.domain.grants import finance
from pollen.domain.grants import status as states
from pollen.exports import safe_row
from pollen.grants import dashboard, forms, selectors, services
from pollen.grants.agreement_pdf import agreement_pdf
from pollen.grants.models import ReportKind
from pollen.permissions import Decision
from pollen.programmes import for_staff


def _require(decision: Decision) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


@login_required
def grant_list(request: AuthedRequest) -> HttpResponse:
    _require(selectors.can_follow_grants(request.user))
    awaiting_award = (
        application_selectors.applications_of(request.user)
        .filter(status=Status.SELECTED, grant__isnull=True)
        .select_related("organisation")
    )
    return render(
        request,
        "grants/list.html",
        {
            "grants": selectors.grants_list(request.user),
            "awaiting_award": awaiting_award,
            "can_award": selectors.can_award(request.user),
            "programmes": for_staff(Programme.objects.all(), request.user, path="pk"),
        },
    )


@login_required
@recent_auth_required()
def award(request: AuthedRequest, application_pk: int) -> HttpResponse:
    _require(selectors.can_award(request.user))
    application = application_selectors.access_application(request.user, application_pk)
    today = clock.now().date()
    form = forms.AwardForm(
        request.POST or None,
        initial={
            "amount": f"{application.requested_amount:.2f}".replace(".", ","),
            "decided_on": today,
            "starts_on": today,
            "ends_on": finance.grant_end_date(today),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.award_grant(
                acting_user=request.user, application=application, **form.cleaned_data
            )
        except services.GrantError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Subvention %(reference)s attribuée.") % {"reference": grant.reference}
            )
            return redirect("grants:detail", pk=grant.pk)
    return render(request, "grants/award.html", {"application": application, "form": form})


@login_required
def grant_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    grant = selectors.access_grant(request.user, pk)
    user = request.user
    reported = {r.kind for r in grant.reports.all()}
    return render(
        request,
        "grants/detail.html",
        {
            "grant": grant,
            "payments": grant.payments.all(),
            "today": clock.today(),
            "reports": grant.reports.all(),
            "can_follow": selectors.can_follow_grants(user, grant),
            "can_sign": selectors.can_record_signature(user, grant) and grant.allows(states.SIGN),
            "sign_form": forms.SignForm(initial={"signed_on": clock.now().date()}),
            "paid_form": forms.PaidForm(),
            "can_report": selectors.can_report(user, grant) and grant.allows(states.REPORT),
            "report_kinds": [(k.value, k.label) for k in ReportKind if k.value not in reported],
        },
    )


@login_required
def agreement_download(request: AuthedRequest, pk: int) -> HttpResponse:
    grant = selectors.access_grant(request.user, pk)
    response = HttpResponse(agreement_pdf(grant), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="convention-{grant.reference}.pdf"'
    return response


@login_required
@require_POST
def sign(request: AuthedRequest, pk: int) -> HttpResponse:
    grant = selectors.access_grant(request.user, pk)
    _require(selectors.can_record_signature(request.user, grant))
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez la date de la convention et son signataire."))
        return redirect("grants:detail", pk=pk)
    try:
        services.sign_agreement(acting_user=request.user, grant=grant, **form.cleaned_data)
    except services.GrantError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Signature de la convention enregistrée."))
    return redirect("grants:detail", pk=pk)


@login_required
@require_POST
# approving and paying move money: a recent confirmation of who asks (not for the request)
@recent_auth_required(when=lambda request, pk, step: step in {"valider", "verser"})
def payment_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    payment = selectors.access_payment(request.user, pk)
    form = forms.PaidForm(request.POST)
    actions: dict[str, Any] = {
        "demander": lambda: services.request_payment(acting_user=request.user, payment=payment),
        "valider": lambda: services.approve_payment(acting_user=request.user, payment=payment),
        "verser": lambda: services.mark_paid(
            acting_user=request.user, payment=payment, **form.cleaned_data
        ),
    }
    if step not in actions:
        raise PermissionDenied(_("Action inconnue."))
    try:
        if step == "verser" and not form.is_valid():
            raise services.GrantError(
                " ".join(str(e) for errors in form.errors.values() for e in errors)
            )
        done = actions[step]()
    except services.GrantError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("« %(label)s » : %(status)s.")
            % {"label": done.label, "status": done.get_status_display()},
        )
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("grants:detail", pk=payment.grant_id)


@login_required
def report(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    grant = selectors.access_grant(request.user, pk)
    _require(selectors.can_report(request.user, grant))
    if kind not in ReportKind.values:
        raise PermissionDenied(_("Type de rapport inconnu."))
    spec = grant.call.spec
    form = forms.ReportForm(request.POST or None, spec=spec)
    if request.method == "POST" and form.is_valid():
        try:
            services.file_report(
                acting_user=request.user,
                grant=grant,
                kind=kind,
                narrative=form.cleaned_data["narrative"],
                actual_expenses=form.actual_expenses(),
                cofunding_obtained=form.cleaned_data["cofunding_obtained"],
            )
        except services.GrantError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Rapport déposé."))
            return redirect("grants:detail", pk=pk)
    planned = {c.id: 0 for c in spec.expense_categories}
    for line in grant.application.expense_lines.all():
        planned[line.category] = planned.get(line.category, 0) + int(line.amount * 100)
    rows = [
        {"label": c.label, "planned_cents": planned[c.id], "field": form[f"expense_{c.id}"]}
        for c in spec.expense_categories
    ]
    return render(
        request,
        "grants/report.html",
        {"grant": grant, "form": form, "rows": rows, "kind": ReportKind(kind)},
    )


@login_required
def payments(request: AuthedRequest) -> HttpResponse:
    _require(selectors.can_follow_grants(request.user))
    return render(
        request,
        "grants/payments.html",
        {
            "payments": selectors.payments_awaiting(request.user),
            "paid_form": forms.PaidForm(),
            "today": clock.today(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def payments_csv(request: AuthedRequest) -> StreamingHttpResponse:
    _require(selectors.can_follow_grants(request.user))
    writer = csv.writer(_Echo(), delimiter=";")

    def lines() -> Iterator[str]:
        yield writer.writerow(selectors.CSV_HEADER)
        for row in selectors.payment_rows(request.user):
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="versements.csv"'
    return response


@login_required
def programme_dashboard(request: AuthedRequest, slug: str) -> HttpResponse:
    _require(selectors.can_follow_grants(request.user))
    programme = get_object_or_404(
        for_staff(Programme.objects.all(), request.user, path="pk"), slug=slug
    )
    context = dashboard.programme_dashboard(programme)
    context["summary"] = dashboard.envelope_summary(context["figures"])
    context["envelope_eur"] = from_cents(context["figures"].envelope_cents)
    return render(request, "grants/dashboard.html", context)
