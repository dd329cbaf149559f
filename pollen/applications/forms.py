"""Forms of the application: project, budget lines (formsets) and documents."""

from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.forms import BaseFormSet, formset_factory
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pollen.applications import models as application_models
from pollen.applications.models import RESOURCE_KINDS, RESOURCE_STATUSES, Kind
from pollen.domain.apply.budget import (
    Budget,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
)
from pollen.domain.apply.calls import CallSpec
from pollen.domain.apply.money import CENT, AmountError, parse_eur
from pollen.domain.apply.receipts import SWORN_STATEMENT
from pollen.formatting import format_amount


def storable_limit(model: type[models.Model], name: str) -> Decimal:
    """The first amount the column cannot hold (PostgreSQL refuses it, SQLite fails to read it)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.DecimalField) and field.max_digits is not None
    assert field.decimal_places is not None
    return Decimal(10) ** (field.max_digits - field.decimal_places)


# Budget lines, resources and the requested subsidy share one column size; grants keep cents.
LINE_LIMIT = storable_limit(application_models.ExpenseLine, "amount")
TOTAL_LIMIT = storable_limit(application_models.Application, "total_expenses")


class EuroField(forms.Field):
    """Euros typed the French way ("45 000,50") read as an exact Decimal."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off", "maxlength": "20"})

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        if len(text) > 20:
            raise forms.ValidationError(gettext("Ce montant est trop long."), code="amount")
        try:
            amount = parse_eur(text)
        except AmountError as exc:
            raise forms.ValidationError(str(exc), code="amount") from None
        if amount >= LINE_LIMIT:
            raise forms.ValidationError(
                gettext("Le montant est trop grand : au plus %(max)s.")
                % {"max": format_amount(LINE_LIMIT - CENT)},
                code="amount",
            )
        return amount


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Titre du projet"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Nature du projet"), choices=Kind.choices, widget=forms.RadioSelect
    )
    summary = forms.CharField(
        label=_("Résumé du projet"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    subsidy = EuroField(label=_("Subvention demandée (€)"), required=False)


class ExpenseForm(forms.Form):
    label = forms.CharField(label=_("Libellé"), max_length=200, required=False)
    category = forms.ChoiceField(label=_("Catégorie"), required=False)
    amount = EuroField(label=_("Montant (€)"), required=False)

    def __init__(self, *args: Any, categories: list[tuple[str, str]] = (), **kwargs: Any):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", gettext("— catégorie —")), *categories]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        filled = any(data.get(k) not in (None, "") for k in ("label", "category", "amount"))
        if filled:
            for key, message in (
                ("label", gettext("Indiquez un libellé.")),
                ("category", gettext("Choisissez une catégorie.")),
                ("amount", gettext("Indiquez un montant.")),
            ):
                if data.get(key) in (None, "") and key not in self.errors:
                    self.add_error(key, message)
        return data


COFUNDER_KINDS = [c for c in RESOURCE_KINDS if c[0] != ResourceKind.REQUESTED_SUBSIDY.value]
STATUSES = RESOURCE_STATUSES


class ResourceForm(forms.Form):
    label = forms.CharField(label=_("Financeur"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Nature"), choices=[("", _("— nature —")), *COFUNDER_KINDS], required=False
    )
    status = forms.ChoiceField(
        label=_("Statut"), choices=STATUSES, required=False, initial="requested"
    )
    amount = EuroField(label=_("Montant (€)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if any(data.get(k) not in (None, "") for k in ("label", "amount")):
            for key, message in (
                ("label", gettext("Indiquez le nom du financeur.")),
                ("kind", gettext("Choisissez la nature du financement.")),
                ("amount", gettext("Indiquez un montant.")),
            ):
                if data.get(key) in (None, "") and key not in self.errors:
                    self.add_error(key, message)
        return data


# A line is deleted by its hidden DELETE field (set by budget.js) or by the row's own
# « Supprimer » button, which posts the whole form without JavaScript (with_line_deleted).
DELETE_LINE = "delete-line"


def with_line_deleted(data: QueryDict) -> QueryDict:
    """The posted data, the line named by the « Supprimer » button (`expenses-2`) marked deleted."""
    line = data.get(DELETE_LINE, "")
    prefix, _sep, index = line.rpartition("-")
    if prefix not in ("expenses", "resources") or not index.isdigit():
        return data
    data = data.copy()
    data[f"{line}-DELETE"] = "on"
    return data


class BaseExpenseFormSet(BaseFormSet[ExpenseForm]):
    deletion_widget = forms.HiddenInput

    def clean(self) -> None:
        """Each line fits its column; many large lines could still overflow the stored total."""
        super().clean()
        total = sum(
            (f.cleaned_data.get("amount") or Decimal(0) for f in self.forms if _kept(f)),
            Decimal(0),
        )
        if total >= TOTAL_LIMIT:
            raise forms.ValidationError(
                gettext("Le total des dépenses est trop grand : au plus %(max)s.")
                % {"max": format_amount(TOTAL_LIMIT - CENT)},
                code="total",
            )


class BaseResourceFormSet(BaseFormSet[ResourceForm]):
    deletion_widget = forms.HiddenInput


ExpenseFormSet = formset_factory(
    ExpenseForm,
    formset=BaseExpenseFormSet,
    extra=0,
    max_num=200,
    absolute_max=200,
    can_delete=True,
)
ResourceFormSet = formset_factory(
    ResourceForm,
    formset=BaseResourceFormSet,
    extra=0,
    max_num=100,
    absolute_max=100,
    can_delete=True,
)


def is_deleted(form: forms.Form) -> bool:
    """The applicant deleted this line (its other fields no longer matter)."""
    field = form.fields.get("DELETE")
    if field is None:
        return False
    value = form.data.get(form.add_prefix("DELETE")) if form.is_bound else None
    return bool(field.clean(value)) if value is not None else False


def _kept(form: forms.Form) -> bool:
    """A valid line the applicant did not delete."""
    return not is_deleted(form) and form.is_valid()


def category_choices(spec: CallSpec) -> list[tuple[str, str]]:
    return [(c.id, c.label) for c in spec.expense_categories]


def budget_from_forms(project: ProjectForm, expenses: Any, resources: Any) -> Budget:
    """The budget made of the valid, filled lines (an invalid line is left out, not guessed)."""
    expense_lines = tuple(
        ExpenseLine(f.cleaned_data["label"], f.cleaned_data["category"], f.cleaned_data["amount"])
        for f in expenses.forms
        if _kept(f) and f.cleaned_data.get("amount") is not None and f.cleaned_data.get("category")
    )
    resource_lines = []
    subsidy = project.cleaned_data.get("subsidy") if project.is_valid() else None
    if subsidy is not None:
        resource_lines.append(
            ResourceLine(
                "Subvention demandée",
                ResourceKind.REQUESTED_SUBSIDY,
                ResourceStatus.REQUESTED,
                subsidy,
            )
        )
    resource_lines.extend(
        ResourceLine(
            f.cleaned_data["label"],
            ResourceKind(f.cleaned_data["kind"]),
            ResourceStatus(f.cleaned_data.get("status") or "requested"),
            f.cleaned_data["amount"],
        )
        for f in resources.forms
        if _kept(f) and f.cleaned_data.get("amount") is not None and f.cleaned_data.get("kind")
    )
    return Budget(expense_lines, tuple(resource_lines))


class DocumentForm(forms.Form):
    doc_type = forms.CharField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("Fichier"))


class SubmitForm(forms.Form):
    """The recap's sworn statement, posted with the submission itself (one POST, as before)."""

    sworn = forms.BooleanField(
        label=_(SWORN_STATEMENT),
        error_messages={
            "required": _("Cochez la déclaration sur l'honneur pour déposer votre candidature.")
        },
    )


class ReopenForm(forms.Form):
    message = forms.CharField(
        label=_("Message au porteur (ce qu'il faut corriger ou compléter)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
