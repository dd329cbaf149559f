"""Application pages: each view checks access, parses, calls one service, renders."""

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pollen import clock
from pollen.accounts.models import AuthedRequest, Role
from pollen.applications import adapters, forms, selectors, services
from pollen.applications.documents import DocumentRejected, download_name
from pollen.applications.models import Application, Kind
from pollen.audit.selectors import events_for
from pollen.calls.models import Call
from pollen.domain.apply import budget as domain_budget
from pollen.domain.apply import eligibility
from pollen.domain.apply import status as states
from pollen.domain.apply.budget import ResourceKind
from pollen.storage import is_bucket


def _initial(
    application: Application,
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    asked = [
        r.amount
        for r in application.resource_lines.all()
        if r.kind == ResourceKind.REQUESTED_SUBSIDY
    ]
    subsidy = sum(asked) if asked else None
    project = {
        "title": application.title,
        "kind": application.kind,
        "summary": application.summary,
        "subsidy": f"{subsidy:.2f}".replace(".", ",") if subsidy is not None else "",
    }
    expenses = [
        {"label": e.label, "category": e.category, "amount": f"{e.amount:.2f}".replace(".", ",")}
        for e in application.expense_lines.all()
    ]
    resources = [
        {
            "label": r.label,
            "kind": r.kind,
            "status": r.status,
            "amount": f"{r.amount:.2f}".replace(".", ","),
        }
        for r in application.resource_lines.all()
        if r.kind != ResourceKind.REQUESTED_SUBSIDY
    ]
    return project, expenses, resources


def _bound_forms(application: Application, data: Any = None) -> dict[str, Any]:
    categories = forms.category_choices(application.call.spec)
    if data is None:
        project, expenses, resources = _initial(application)
        return {
            "project_form": forms.ProjectForm(initial=project),
            "expense_formset": forms.ExpenseFormSet(
                initial=expenses or [{}], prefix="expenses", form_kwargs={"categories": categories}
            ),
            "resource_formset": forms.ResourceFormSet(
                initial=resources or [{}], prefix="resources"
            ),
        }
    data = forms.with_line_deleted(data)
    return {
        "project_form": forms.ProjectForm(data),
        "expense_formset": forms.ExpenseFormSet(
            data, prefix="expenses", form_kwargs={"categories": categories}
        ),
        "resource_formset": forms.ResourceFormSet(data, prefix="resources"),
    }


def _live(application: Application, budget: domain_budget.Budget) -> dict[str, Any]:
    """Totals and verdicts for what is on screen, saved or not."""
    spec = application.call.spec
    facts = dataclasses.replace(adapters.facts_of(application, clock.now()), budget=budget)
    return {
        "figures": domain_budget.figures(budget, spec.investment_categories),
        "result": eligibility.check(spec, facts),
    }


def _all_valid(bound: dict[str, Any]) -> bool:
    return all(bound[k].is_valid() for k in ("project_form", "expense_formset", "resource_formset"))


def _form_errors(bound: dict[str, Any]) -> list[str]:
    errors = [
        _("%(field)s : %(errors)s")
        % {"field": bound["project_form"].fields[k].label, "errors": " ".join(v)}
        for k, v in bound["project_form"].errors.items()
        if k in bound["project_form"].fields
    ]
    for line, formset in (
        (_("Dépense %(n)s, %(field)s : %(errors)s"), bound["expense_formset"]),
        (_("Financeur %(n)s, %(field)s : %(errors)s"), bound["resource_formset"]),
    ):
        for i, form in enumerate(formset.forms, start=1):
            if forms.is_deleted(form):
                continue
            for field, messages_ in form.errors.items():
                label = form.fields[field].label if field in form.fields else field
                errors.append(line % {"n": i, "field": label, "errors": " ".join(messages_)})
    return errors


@login_required
def new_application(request: AuthedRequest, slug: str) -> HttpResponse:
    call = get_object_or_404(Call, slug=slug, is_published=True)
    user = request.user
    if user.role != Role.APPLICANT:
        raise PermissionDenied(_("Seuls les porteurs de projet peuvent candidater."))
    # A structure created at sign-up has its SIRET and name only: its commune comes first.
    if user.organisation is None or user.organisation.commune_id is None:
        messages.info(
            request,
            _("Décrivez d'abord votre structure : elle sera reprise dans chaque candidature."),
        )
        return redirect(f"/espace/structure/?next=/appels/{call.slug}/candidater/")
    if not call.spec.is_open_at(clock.now()):
        # Said before any form: nothing typed in vain.
        return render(
            request, "applications/call_not_open.html", {"call": call, "now": clock.now()}
        )
    if request.method == "POST":
        form = forms.ProjectForm(request.POST)
        if form.is_valid():
            try:
                application = services.create_application(
                    acting_user=user,
                    call=call,
                    organisation=user.organisation,
                    title=form.cleaned_data["title"],
                    kind=form.cleaned_data["kind"],
                    summary=form.cleaned_data["summary"],
                )
            except services.ApplicationError as exc:
                messages.error(request, str(exc))
                return redirect("calls:detail", slug=call.slug)
            return redirect("applications:edit", pk=application.pk)
    else:
        form = forms.ProjectForm(initial={"kind": Kind.IMPROVEMENT})
    return render(request, "applications/new.html", {"call": call, "form": form})


@login_required
def edit_application(request: AuthedRequest, pk: int) -> HttpResponse:
    application = selectors.access_application(request.user, pk)
    decision = selectors.can_edit(request.user, application)
    if not decision:
        messages.info(request, decision.reason)
        return redirect("applications:detail", pk=pk)
    bound = _bound_forms(application, request.POST if request.method == "POST" else None)
    saved = False
    if request.method == "POST":
        budget = forms.budget_from_forms(
            bound["project_form"], bound["expense_formset"], bound["resource_formset"]
        )
        if _all_valid(bound):
            project = bound["project_form"].cleaned_data
            application = services.save_draft(
                acting_user=request.user,
                application=application,
                title=project["title"],
                summary=project["summary"],
                kind=project["kind"],
                budget=budget,
            )
            application = selectors.access_application(request.user, pk)
            saved = True
            if not request.htmx:
                return _after_save(request, application)
        context = {
            "application": application,
            **_live(application, budget),
            "saved": saved,
            "errors": _form_errors(bound),
            "now": clock.now(),
        }
        if request.htmx:
            return render(request, "applications/_live.html", context)
        return render(
            request,
            "applications/edit.html",
            {**context, **bound, **_page_context(application)},
            status=200,
        )
    return _edit_page(request, application, bound)


def _after_save(request: AuthedRequest, application: Application) -> HttpResponse:
    """Without JavaScript: on to the recap, back to the deleted line's table, or the draft."""
    if "recap" in request.POST:
        return redirect("applications:recap", pk=application.pk)
    line = request.POST.get(forms.DELETE_LINE, "")
    if line:
        messages.success(request, _("Ligne supprimée ; les totaux sont à jour."))
        anchor = "depenses" if line.startswith("expenses") else "ressources"
        return redirect(f"{reverse('applications:edit', args=[application.pk])}#{anchor}")
    messages.success(request, _("Brouillon enregistré."))
    return redirect("applications:edit", pk=application.pk)


@dataclass(frozen=True)
class UploadResult:
    """What became of an upload, said next to its file field."""

    doc_type: str
    message: str
    accepted: bool


def _edit_page(
    request: AuthedRequest,
    application: Application,
    bound: dict[str, Any] | None = None,
    *,
    upload: UploadResult | None = None,
    status: int = 200,
) -> HttpResponse:
    budget = adapters.budget_of(application)
    if upload is None:
        upload = _accepted_upload(request, application)
    return render(
        request,
        "applications/edit.html",
        {
            "application": application,
            **(bound if bound is not None else _bound_forms(application, None)),
            **_live(application, budget),
            "saved": False,
            "errors": [],
            **_page_context(application, upload),
        },
        status=status,
    )


def _accepted_upload(request: AuthedRequest, application: Application) -> UploadResult | None:
    """After the redirect that follows an upload (`?jointe=<document>`), its confirmation."""
    pk = request.GET.get("jointe", "")
    document = next(
        (d for d in adapters.active_documents(application) if str(d.pk) == pk),
        None,
    )
    if document is None:
        return None
    message = _("Pièce « %(name)s » jointe.") % {"name": document.original_name}
    return UploadResult(document.doc_type, message, accepted=True)


def _page_context(application: Application, upload: UploadResult | None = None) -> dict[str, Any]:
    spec = application.call.spec
    docs = adapters.active_documents(application)
    request_ = selectors.completeness_request(application)
    asked = {d.id for d in request_.missing} if request_ else set()
    return {
        "spec": spec,
        "completeness": request_,
        "call_shut": selectors.call_window_shut(application, clock.now()),
        "document_slots": [
            {
                "spec": d,
                "files": [x for x in docs if x.doc_type == d.id],
                "form": forms.DocumentForm(initial={"doc_type": d.id}),
                "upload": upload if upload is not None and upload.doc_type == d.id else None,
                "asked": d.id in asked,
            }
            for d in spec.documents
        ],
        "categories": forms.category_choices(spec),
        "upload_max_mb": _max_mb(),
    }


def _max_mb() -> int:
    from django.conf import settings

    return int(settings.UPLOAD_MAX_BYTES / (1024 * 1024))


@login_required
def application_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    application = selectors.access_application(request.user, pk)
    user = request.user
    context = {
        "application": application,
        **_live(application, adapters.budget_of(application)),
        "submissions": application.submissions.order_by("round"),
        "documents": adapters.active_documents(application),
        "can_edit": selectors.can_edit(user, application),
        "can_reopen": selectors.can_reopen(user, application) and application.allows(states.REOPEN),
        "events": events_for(application)[:50] if user.is_programme_staff else [],
        "show_thread": user.is_programme_staff or selectors.can_submit(user, application),
        "spec": application.call.spec,
        "decision": None if user.has_role(Role.EXPERT) else _decision_of(application),
        "completeness": selectors.completeness_request(application),
    }
    return render(request, "applications/detail.html", context)


def _decision_of(application: Application) -> Any:
    """The committee's decision, if any, through the relation selection's Decision declares
    (selection sits above applications, which does not import it)."""
    return getattr(application, "selection_decision", None)


@login_required
@require_POST
def upload_document(request: AuthedRequest, pk: int) -> HttpResponse:
    application = selectors.access_application(request.user, pk)
    decision = selectors.can_edit(request.user, application)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = forms.DocumentForm(request.POST, request.FILES)
    doc_type = str(request.POST.get("doc_type", ""))
    if not form.is_valid():
        refused = UploadResult(doc_type, _("Choisissez un fichier à joindre."), accepted=False)
        return _edit_page(request, application, upload=refused)
    try:
        document = services.add_document(
            acting_user=request.user,
            application=application,
            doc_type=doc_type,
            upload=form.cleaned_data["file"],
        )
    except services.DocumentNotStored as exc:
        # Nothing was stored: the same file is chosen again in a moment.
        return _edit_page(
            request, application, upload=UploadResult(doc_type, str(exc), False), status=503
        )
    except (DocumentRejected, services.ApplicationError) as exc:
        # Said at the file field, on the page itself (no redirect: the field keeps the focus).
        reason = _("« %(name)s » refusé : %(reason)s") % {
            "name": form.cleaned_data["file"].name,
            "reason": exc,
        }
        return _edit_page(request, application, upload=UploadResult(doc_type, reason, False))
    # The confirmation is shown at its field, which takes the focus (autofocus, which a
    # fragment in the address would cancel): ?jointe=<document>.
    return redirect(f"{reverse('applications:edit', args=[pk])}?jointe={document.pk}")


@login_required
@require_POST
def remove_document(request: AuthedRequest, pk: int, doc_pk: int) -> HttpResponse:
    document = selectors.access_document(request.user, pk, doc_pk)
    decision = selectors.can_edit(request.user, document.application)
    if not decision:
        raise PermissionDenied(decision.reason)
    services.remove_document(acting_user=request.user, document=document)
    messages.success(request, _("Pièce « %(name)s » retirée.") % {"name": document.original_name})
    return redirect(f"/candidatures/{pk}/modifier/#pieces")


@login_required
def download_document(request: AuthedRequest, pk: int, doc_pk: int) -> HttpResponseBase:
    document = selectors.access_document(request.user, pk, doc_pk)
    # The detected type's extension and type, whatever the uploaded name said.
    filename = download_name(document.original_name, document.content_type)
    storage: Any = document.file.storage
    if settings.STORAGE_PRESIGNED and is_bucket(storage):
        # After the access check only: a link to the private object, valid 60 s, with the
        # same name, type and disposition as Pollen's own answer (decision 0013).
        return redirect(
            storage.url(
                document.file.name,
                parameters={
                    "ResponseContentDisposition": content_disposition_header(True, filename),
                    "ResponseContentType": document.content_type,
                },
            )
        )
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    application = selectors.access_application(request.user, pk)
    decision = selectors.can_reopen(request.user, application)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = forms.ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez au porteur ce qu'il doit corriger."))
        return redirect("applications:detail", pk=pk)
    try:
        services.reopen_application(
            acting_user=request.user,
            application=application,
            message=form.cleaned_data["message"],
        )
    except services.ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("La candidature est rouverte pour corrections ; le porteur pourra la redéposer."),
        )
    return redirect("applications:detail", pk=pk)
