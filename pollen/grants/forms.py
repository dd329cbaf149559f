"""Forms of the grant's steps: award, signature, payment and report."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pollen.applications.forms import EuroField
from pollen.domain.apply.calls import CallSpec


class DateInput(forms.DateInput):
    """A browser date picker: its value must be ISO (2026-02-28), whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(attrs, format="%Y-%m-%d")


class AwardForm(forms.Form):
    amount = EuroField(label=_("Montant attribué (€)"))
    decided_on = forms.DateField(label=_("Date de la décision"), widget=DateInput)
    starts_on = forms.DateField(label=_("Début de la période d'exécution"), widget=DateInput)
    ends_on = forms.DateField(label=_("Fin de la période d'exécution"), widget=DateInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("La fin doit suivre le début de la période."))
        return data


class SignForm(forms.Form):
    signed_on = forms.DateField(label=_("Date de la convention"), widget=DateInput)
    signatory = forms.CharField(label=_("Signataire pour le bénéficiaire"), max_length=200)


class PaidForm(forms.Form):
    reference = forms.CharField(
        label=_("Référence du virement"),
        max_length=60,
        error_messages={"required": _("Indiquez la référence du virement.")},
    )
    transferred_on = forms.DateField(
        label=_("Date du virement"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Indiquez la date du virement."),
            "invalid": _("La date du virement n'est pas une date valable."),
        },
    )


class ReportForm(forms.Form):
    narrative = forms.CharField(
        label=_("Réalisations"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    cofunding_obtained = EuroField(label=_("Cofinancements obtenus (€)"))

    def __init__(self, *args: Any, spec: CallSpec, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for category in spec.expense_categories:
            self.fields[f"expense_{category.id}"] = EuroField(
                label=_("Dépenses réelles — %(label)s (€)") % {"label": category.label},
                required=False,
            )
        self.categories = [c.id for c in spec.expense_categories]

    def actual_expenses(self) -> dict[str, Decimal]:
        return {
            c: self.cleaned_data.get(f"expense_{c}") or Decimal("0.00") for c in self.categories
        }
