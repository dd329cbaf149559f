"""Login, the personal dashboard and the organisation profile."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from pollen.accounts.forms import LoginForm, OrganisationForm
from pollen.accounts.models import AuthedRequest, Role
from pollen.accounts.services import save_organisation
from pollen.applications.selectors import applications_of
from pollen.calls.selectors import published_calls


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    user = request.user
    applications = applications_of(user)[:200]
    return render(
        request,
        "accounts/dashboard.html",
        {
            "applications": applications,
            "calls": published_calls(),
            "is_applicant": user.role == Role.APPLICANT,
        },
    )


@login_required
def organisation(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if user.role != Role.APPLICANT:
        messages.info(request, "Seuls les porteurs de projet ont une fiche de structure.")
        return redirect("accounts:dashboard")
    org = user.organisation
    if request.method == "POST":
        form = OrganisationForm(request.POST)
        if form.is_valid():
            save_organisation(acting_user=user, organisation=org, data=form.cleaned_data)
            messages.success(request, "La fiche de votre structure est enregistrée.")
            return redirect(request.GET.get("next") or "accounts:dashboard")
    else:
        initial = {}
        if org:
            initial = {f: getattr(org, f) for f in OrganisationForm.base_fields if f != "commune"}
            initial["commune"] = org.commune
        form = OrganisationForm(initial=initial)
    return render(request, "accounts/organisation.html", {"form": form, "organisation": org})
