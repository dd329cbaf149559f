"""The ways in: creating one's account (/inscription/), and a programme's invitations.

ProConnect's two pages are in proconnect.py (mozilla-django-oidc's views).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pollen.accounts import invitations, sign_up, sirene
from pollen.accounts.forms import InvitationForm, InvitedAccountForm, SignUpForm, SiretForm
from pollen.accounts.models import AuthedRequest, Invitation, User
from pollen.calls.models import Programme
from pollen.permissions import Refused
from pollen.ratelimit import client_address, hit

STEP = "etape"


def _site(request: HttpRequest) -> str:
    """The scheme and host the links in a mail start with: the ones this request came by."""
    return request.build_absolute_uri("/").rstrip("/")


def _sirene_note(siret: str) -> tuple[str, str, str]:
    """(legal name found, level, French sentence) for the second step."""
    answer = sirene.look_up(siret)
    if answer is None:
        return "", "", ""
    if not answer.reachable:
        return (
            "",
            "warning",
            _(
                "Le répertoire des entreprises (Sirene) ne répond pas pour le moment : saisissez "
                "la raison sociale de votre structure. Votre compte peut être créé quand même."
            ),
        )
    if not answer.legal_name:
        return (
            "",
            "warning",
            _(
                "Le répertoire des entreprises (Sirene) ne connaît pas ce SIRET : vérifiez-le, "
                "ou saisissez la raison sociale de votre structure."
            ),
        )
    return (
        answer.legal_name,
        "info",
        _("Structure trouvée dans le répertoire Sirene : vérifiez sa raison sociale ci-dessous."),
    )


def sign_up_page(request: HttpRequest) -> HttpResponse:
    """Two steps on one address: the SIRET (checked, looked up), then the person."""
    if request.user.is_authenticated:
        return redirect("dashboard:index")
    if request.method != "POST":
        return render(request, "accounts/sign_up.html", {"siret_form": SiretForm()})
    count = hit(f"sign-up:{client_address(request)}", settings.SIGNUPS_PER_HOUR, 3600)
    if count.refused:
        context = {"siret_form": SiretForm(), "throttled": True}
        context["minutes"] = count.retry_after // 60 + 1
        return render(request, "accounts/sign_up.html", context, status=429)
    if request.POST.get(STEP) != "compte":
        return _organisation_step(request)
    return _account_step(request)


def _organisation_step(request: HttpRequest) -> HttpResponse:
    """The SIRET checked offline, then looked up: the second step's form, its name filled."""
    siret_form = SiretForm(request.POST)
    if not siret_form.is_valid():
        return render(request, "accounts/sign_up.html", {"siret_form": siret_form})
    siret = siret_form.cleaned_data["siret"]
    legal_name, level, note = _sirene_note(siret)
    form = SignUpForm(initial={"siret": siret, "legal_name": legal_name})
    context = {"form": form, "sirene_level": level, "sirene_note": note}
    return render(request, "accounts/sign_up.html", context)


def _account_step(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/sign_up.html", {"form": form})
    data = form.cleaned_data
    sign_up.sign_up(
        email=data["email"],
        full_name=data["full_name"],
        password=data["password1"],
        siret=data["siret"],
        legal_name=data["legal_name"],
        site=_site(request),
    )
    request.session["pollen_signed_up"] = data["email"]
    return redirect("accounts:sign_up_done")


@require_GET
def sign_up_done(request: HttpRequest) -> HttpResponse:
    """The same page whether the address was new or known (no account enumeration)."""
    email = request.session.pop("pollen_signed_up", "")
    return render(request, "accounts/sign_up_done.html", {"email": email})


def sign_up_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners open links), POST activates the account."""
    if request.method == "POST":
        user = sign_up.confirm_email(token=token)
        if user is not None:
            messages.success(
                request,
                _("Votre adresse est confirmée et votre compte activé : connectez-vous."),
            )
            return redirect("accounts:login")
        return render(request, "accounts/sign_up_confirm.html", {"valid": False})
    valid = sign_up.account_to_confirm(token) is not None
    return render(request, "accounts/sign_up_confirm.html", {"valid": valid})


@login_required
def programme_invitations(request: AuthedRequest, pk: int) -> HttpResponse:
    """A programme's manager invites instructors, experts and committee members."""
    programme = get_object_or_404(Programme, pk=pk)
    decision = invitations.can_invite(request.user, programme)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = invitations.invite(
            acting_user=request.user,
            programme=programme,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            site=_site(request),
        )
        messages.success(
            request,
            _("L'invitation est envoyée à %(email)s.") % {"email": invitation.email},
        )
        return redirect("accounts:programme_invitations", programme.pk)
    context = {
        "programme": programme,
        "form": form,
        "invitations": invitations.invitations_of(programme)[:200],
    }
    return render(request, "accounts/invitations.html", context)


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Accept: a new account (a password to choose), or the signed-in invited account."""
    invitation = invitations.invitation_from(token)
    if invitation is None:
        return render(request, "accounts/invitation_accept.html", {"invitation": None})
    user = request.user if request.user.is_authenticated else None
    existing = invitations.account_for(invitation) if user is None else None
    form = None
    if user is None and existing is None:
        form = InvitedAccountForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and existing is None and (form is None or form.is_valid()):
        return _accept(request, token, invitation, user, form)
    refusal = invitations.can_accept(user, invitation) if user is not None else None
    context = {
        "invitation": invitation,
        "form": form,
        "existing": existing,
        "refusal": refusal.reason if refusal is not None and not refusal else "",
    }
    return render(request, "accounts/invitation_accept.html", context)


def _accept(
    request: HttpRequest,
    token: str,
    invitation: Invitation,
    user: User | None,
    form: InvitedAccountForm | None,
) -> HttpResponse:
    try:
        person = invitations.accept_invitation(
            acting_user=user,
            token=token,
            full_name=form.cleaned_data["full_name"] if form else "",
            password=form.cleaned_data["password1"] if form else "",
        )
    except Refused as refused:
        messages.error(request, str(refused))
        return redirect("accounts:invitation_accept", token)
    if user is None:  # a new account: signed in (staff then enrol their second factor)
        login(request, person, backend="pollen.accounts.sessions.UserBackend")
    messages.success(
        request,
        _("Bienvenue dans l'équipe du programme « %(programme)s ».")
        % {"programme": invitation.programme.name},
    )
    return redirect("dashboard:index")
