"""The pages around signing in: the second factor (code, enrolment, backup codes), confirming
one's identity before a sensitive action, and passwords (change, reset by mail).

Apart from views.py, which keeps the dashboard and the organisation's pages.
"""

from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollen.accounts import second_factor
from pollen.accounts.forms import CodeForm, ConfirmIdentityForm, EnrolForm, PasswordResetForm
from pollen.accounts.lockout import unlock_account
from pollen.accounts.models import AuthedRequest, User
from pollen.accounts.reauth import mark_confirmed, recent_auth_required, safe_next
from pollen.audit.services import record_event

BACKUP_SHOWN = "pollen_backup_codes"
WRONG_CODE = gettext_lazy(
    "Code incorrect ou déjà utilisé. Vérifiez que l'heure de votre téléphone est exacte, "
    "attendez le code suivant ou utilisez un code de secours."
)


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


@login_required
def otp_verify(request: AuthedRequest) -> HttpResponse:
    """After the password, the code from the app (or a backup code)."""
    target = safe_next(request, request.GET.get("next") or request.POST.get("next"))
    user = request.user
    if not second_factor.needs_second_factor(user) or second_factor.is_verified(request):
        return redirect(target)
    if not second_factor.has_confirmed_device(user):
        return redirect(_with_next("accounts:otp_enrol", target))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify_code(user, form.cleaned_data["code"])
        if device is not None:
            second_factor.signed_in_with(request, device)
            return redirect(target)
        form.add_error("code", str(WRONG_CODE))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": target})


@login_required
def otp_enrol(request: AuthedRequest) -> HttpResponse:
    """First sign-in of a staff member: scan the QR code (or type the key), give one code."""
    target = safe_next(request, request.GET.get("next") or request.POST.get("next"))
    user = request.user
    if not second_factor.needs_second_factor(user):
        return redirect(target)
    if second_factor.has_confirmed_device(user):
        return redirect(_with_next("accounts:otp_verify", target))
    device = second_factor.pending_device(user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(
            acting_user=user, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            second_factor.signed_in_with(request, device)
            request.session[BACKUP_SHOWN] = codes
            return redirect(_with_next("accounts:otp_backup_codes", target))
        form.add_error("code", str(WRONG_CODE))
    context = {
        "form": form,
        "next": target,
        "qr_svg": mark_safe(second_factor.qr_svg(device)),
        "text_key": second_factor.text_key(device),
    }
    return render(request, "accounts/otp_enrol.html", context)


@login_required
@recent_auth_required(when=lambda request: request.method == "POST")
def otp_backup_codes(request: AuthedRequest) -> HttpResponse:
    """The ten backup codes, shown once; POST makes ten new ones (the old ones stop working)."""
    if not second_factor.needs_second_factor(request.user):
        return redirect("dashboard:index")
    if request.method == "POST":
        request.session[BACKUP_SHOWN] = second_factor.new_backup_codes(request.user)
        record_event(actor=request.user, action="account.backup_codes_renewed", obj=request.user)
        return redirect("accounts:otp_backup_codes")
    codes = request.session.pop(BACKUP_SHOWN, None)
    target = safe_next(request, request.GET.get("next"))
    return render(request, "accounts/otp_backup_codes.html", {"codes": codes, "next": target})


@login_required
def confirm_identity(request: AuthedRequest) -> HttpResponse:
    """« Confirmez votre identité »: the password again (and a code for staff), then back."""
    target = safe_next(request, request.GET.get("next") or request.POST.get("next"))
    user = request.user
    with_code = second_factor.needs_second_factor(user)
    form = ConfirmIdentityForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid():
        # authenticate() goes through django-axes: guesses here count like those at sign-in.
        same = authenticate(request, username=user.email, password=form.cleaned_data["password"])
        # The code is tried only after the password: a wrong password burns no backup code.
        device = None
        if same is not None and same.pk == user.pk and with_code:
            device = second_factor.verify_code(user, form.cleaned_data["code"])
        if same is None or same.pk != user.pk:
            form.add_error("password", _("Mot de passe incorrect."))
        elif with_code and device is None:
            form.add_error("code", str(WRONG_CODE))
        else:
            if device is not None:
                second_factor.signed_in_with(request, device)
            mark_confirmed(request)
            return redirect(target)
    return render(request, "accounts/confirm_identity.html", {"form": form, "next": target})


@login_required
@recent_auth_required()
def reset_second_factor(request: AuthedRequest, pk: int) -> HttpResponse:
    """An administrator resets someone's second factor (a lost phone)."""
    decision = second_factor.can_reset_second_factor(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)
    person = get_object_or_404(User, pk=pk)
    if request.method == "POST":
        second_factor.reset_second_factor(acting_user=request.user, user=person)
        messages.success(
            request,
            _(
                "Le second facteur de %(person)s est réinitialisé : ses sessions sont fermées, "
                "sa prochaine connexion l'invitera à enregistrer une nouvelle application."
            )
            % {"person": person},
        )
        return redirect("admin:accounts_user_change", person.pk)
    return render(
        request,
        "accounts/second_factor_reset.html",
        {"person": person, "enrolled": second_factor.has_confirmed_device(person)},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("dashboard:index")

    def form_valid(self, form: auth_forms.PasswordChangeForm) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            user = form.user
            record_event(actor=user, action="account.password_changed", obj=user)
        messages.success(
            self.request,
            _("Votre mot de passe est changé. Vos autres sessions sont fermées."),
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer whether the address has an account or not."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    form_class = PasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A link works once (the token depends on the password) and for an hour."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: auth_forms.SetPasswordForm[User]) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            user = form.user
            unlock_account(user.email)  # the owner proved it: the sign-in lock goes
            record_event(actor=user, action="account.password_reset", obj=user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
