"""Forms of instruction: bulk actions, completeness, messages, pair rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pollen.domain.apply.calls import CallSpec
from pollen.instruction.models import PairKind

BULK_ACTIONS = [
    ("complete", _("Déclarer complètes")),
    ("corrections", _("Demander des compléments")),
    ("assign", _("Affecter des experts")),
    ("message", _("Envoyer un message")),
]
NEEDS_MESSAGE = frozenset({"corrections", "message"})


class IdsField(forms.Field):
    """The checked applications' ids; which of them belong to the call is the service's check."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        try:
            return sorted({int(v) for v in value or []})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Sélection invalide.")) from None


class BulkActionForm(forms.Form):
    ids = IdsField(required=False)
    action = forms.ChoiceField(label=_("Action sur la sélection"), choices=BULK_ACTIONS)
    message = forms.CharField(
        label=_("Message au porteur (compléments demandés ou message)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("ids"):
            raise forms.ValidationError(_("Cochez au moins une candidature."))
        if data.get("action") in NEEDS_MESSAGE and not (data.get("message") or "").strip():
            self.add_error("message", _("Écrivez le message à envoyer au porteur."))
        return data


class CompletenessForm(forms.Form):
    action = forms.ChoiceField(choices=[("complete", "complete"), ("corrections", "corrections")])
    message = forms.CharField(
        label=_("Message au porteur"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    missing_documents = forms.MultipleChoiceField(
        label=_("Pièces manquantes ou à remplacer"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, spec: CallSpec, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["missing_documents"].choices = [(d.id, d.label) for d in spec.documents]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        asks = data.get("action") == "corrections"
        if asks and not (data.get("message") or "").strip() and not data.get("missing_documents"):
            self.add_error("message", _("Indiquez au porteur ce qu'il doit corriger ou compléter."))
        return data


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Votre message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class PairRuleForm(forms.Form):
    application = forms.TypedChoiceField(label=_("Candidature"), coerce=int)
    expert = forms.TypedChoiceField(label=_("Expert"), coerce=int)
    kind = forms.ChoiceField(label=_("Règle"), choices=PairKind.choices)

    def __init__(
        self,
        *args: Any,
        applications: list[tuple[int, str]],
        experts: list[tuple[str, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [("", _("— choisir —")), *applications]  # type: ignore[attr-defined]
        self.fields["expert"].choices = [("", _("— choisir —")), *experts]  # type: ignore[attr-defined]
