"""Login and the organisation profile."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pollen.accounts import services
from pollen.accounts.forms import LoginForm, OrganisationForm
from pollen.accounts.models import AuthedRequest, OrganisationChange, Role
from pollen.accounts.services import save_organisation


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"proconnect": lambda: settings.OIDC_ENABLED}


@login_required
def organisation(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if user.role != Role.APPLICANT:
        messages.info(request, _("Seuls les porteurs de projet ont une fiche de structure."))
        return redirect("dashboard:index")
    org = user.organisation
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        if form.is_valid():
            save_organisation(acting_user=user, organisation=org, data=form.cleaned_data)
            messages.success(request, _("La fiche de votre structure est enregistrée."))
            if org is not None and org.change_requests.filter(status="pending").exists():
                messages.info(
                    request,
                    _(
                        "Votre structure a signé une convention : le changement de raison sociale "
                        "ou de SIRET est transmis à l'équipe du programme, qui l'acceptera ou le "
                        "refusera. La convention garde les informations signées."
                    ),
                )
            # Only back into Pollen: a crafted ?next= must not send the applicant elsewhere.
            target = request.GET.get("next", "")
            if url_has_allowed_host_and_scheme(
                target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            ):
                return redirect(target)
            return redirect("dashboard:index")
    else:
        initial = {}
        if org:
            initial = {f: getattr(org, f) for f in OrganisationForm.base_fields if f != "commune"}
            initial["commune"] = org.commune
        form = OrganisationForm(initial=initial)
    return render(request, "accounts/organisation.html", {"form": form, "organisation": org})


@login_required
def organisation_changes(request: AuthedRequest) -> HttpResponse:
    """Staff: the beneficiaries' requests to change their legal name or SIRET, with history."""
    decision = services.can_decide_change(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)
    if request.method == "POST":
        change = get_object_or_404(OrganisationChange, pk=request.POST.get("demande", "0") or 0)
        services.decide_change(
            acting_user=request.user,
            change=change,
            accept=request.POST.get("decision") == "accepter",
            reason=request.POST.get("motif", ""),
        )
        messages.success(request, _("Décision enregistrée."))
        return redirect("accounts:organisation_changes")
    changes = OrganisationChange.objects.select_related(
        "organisation", "requested_by", "decided_by"
    )[:500]
    return render(request, "accounts/organisation_changes.html", {"changes": changes})


@login_required
@require_POST
def sign_out_everywhere(request: AuthedRequest) -> HttpResponse:
    ended = services.sign_out_everywhere(acting_user=request.user)
    logout(request)
    messages.success(
        request,
        _("Vous êtes déconnecté(e) partout : %(n)s session(s) fermée(s).") % {"n": ended},
    )
    return redirect("accounts:login")
