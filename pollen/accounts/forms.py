"""The organisation profile, and the forms of signing in (password, code, reset)."""

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pollen.accounts.models import INVITABLE_ROLES, LegalForm, Machine, User
from pollen.domain.apply.siret import normalise_siret, siret_problem
from pollen.mailing.services import queue_mail
from pollen.territory.forms import CommuneField


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Adresse électronique"), widget=forms.EmailInput(attrs={"autofocus": True})
    )
    error_messages = {
        "invalid_login": _("Adresse électronique ou mot de passe incorrect."),
        "inactive": _("Ce compte est désactivé."),
    }


class OrganisationForm(forms.Form):
    legal_name = forms.CharField(label=_("Raison sociale"), max_length=200)
    siret = forms.CharField(
        label=_("Numéro SIRET"), max_length=20, help_text=_("14 chiffres, ex. 362 521 879 00034")
    )
    legal_form = forms.ChoiceField(label=_("Forme juridique"), choices=LegalForm.choices)
    address = forms.CharField(label=_("Adresse"), max_length=300, required=False)
    commune = CommuneField(label=_("Commune"))
    website = forms.URLField(label=_("Site web"), required=False, assume_scheme="https")
    is_fablab = forms.BooleanField(
        label=_("La structure est un atelier de fabrication numérique (fablab)"), required=False
    )
    machines = forms.MultipleChoiceField(
        label=_("Machines"),
        choices=Machine.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    opening_hours = forms.CharField(
        label=_("Horaires d'ouverture"),
        max_length=255,
        required=False,
        help_text=_("Au format OpenStreetMap, ex. « Mo-Fr 14:00-19:00; Sa 10:00-18:00 »."),
    )

    def clean_siret(self) -> str:
        value = self.cleaned_data["siret"]
        problem = siret_problem(value)
        if problem:
            raise forms.ValidationError(problem.translated(gettext))
        return normalise_siret(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "commune" in self.fields and not data.get("commune") and "commune" not in self.errors:
            self.add_error("commune", gettext("Indiquez la commune de la structure."))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code à usage unique"),
        max_length=32,
        help_text=_("Les 6 chiffres de votre application, ou l'un de vos codes de secours."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code affiché par l'application"),
        max_length=12,
        help_text=_("6 chiffres, ex. 123456"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class ConfirmIdentityForm(forms.Form):
    password = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, *args: Any, with_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_code:
            self.fields["code"] = CodeForm.base_fields["code"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, its mail leaving through Pollen's outbox like every other mail."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        queue_mail(recipients=[to_email], subject=subject, body=body)


def _clean_siret(value: str) -> str:
    problem = siret_problem(value)
    if problem:
        raise forms.ValidationError(problem.translated(gettext))
    return normalise_siret(value)


class SiretForm(forms.Form):
    """The sign-up's first step: the organisation, found by its SIRET."""

    siret = forms.CharField(
        label=_("Numéro SIRET de votre structure"),
        max_length=20,
        help_text=_("14 chiffres, ex. 732 829 320 00074"),
        widget=forms.TextInput(attrs={"autofocus": True, "inputmode": "numeric"}),
    )

    def clean_siret(self) -> str:
        return _clean_siret(self.cleaned_data["siret"])


class NewPasswordMixin(forms.Form):
    """A password typed twice and held to the project's validators (AUTH_PASSWORD_VALIDATORS)."""

    password1 = forms.CharField(
        label=_("Mot de passe"),
        strip=False,
        help_text=_(
            "Au moins 12 caractères, ni courant, ni proche de votre adresse ou de votre nom."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Le même mot de passe, à nouveau"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def email_for_validation(self) -> str:
        return str(self.cleaned_data.get("email", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", gettext("Les deux mots de passe ne sont pas identiques."))
        elif first:
            person = User(email=self.email_for_validation(), full_name=data.get("full_name", ""))
            try:
                validate_password(first, user=person)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class SignUpForm(NewPasswordMixin):
    """The sign-up's second step: the organisation's name (found or typed), then the person."""

    siret = SiretForm.base_fields["siret"]
    legal_name = forms.CharField(label=_("Raison sociale de la structure"), max_length=200)
    full_name = forms.CharField(label=_("Vos nom et prénom"), max_length=150)
    email = forms.EmailField(
        label=_("Votre adresse électronique"),
        help_text=_("Un lien vous y sera envoyé pour activer le compte."),
    )
    field_order = ["siret", "legal_name", "full_name", "email", "password1", "password2"]

    def clean_siret(self) -> str:
        return _clean_siret(self.cleaned_data["siret"])


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Adresse électronique de la personne invitée"))
    role = forms.ChoiceField(
        label=_("Rôle dans le programme"), choices=[(r.value, r.label) for r in INVITABLE_ROLES]
    )


class InvitedAccountForm(NewPasswordMixin):
    """A new account from an invitation: the address is the invitation's."""

    full_name = forms.CharField(label=_("Vos nom et prénom"), max_length=150)
    field_order = ["full_name", "password1", "password2"]

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def email_for_validation(self) -> str:
        return self.email
