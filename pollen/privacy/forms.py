"""Closing one's account: the password again, and a box ticked knowingly."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pollen.accounts.models import User


class CloseAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Votre mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    understood = forms.BooleanField(
        label=_("Je comprends que la fermeture est définitive."),
        error_messages={"required": _("Cochez la case pour confirmer.")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Mot de passe incorrect."), code="wrong_password")
        return password
