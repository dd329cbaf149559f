"""Forms of the expert: their profile, a declared conflict, a review on the call's grid."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pollen.domain.apply.calls import CallSpec
from pollen.expertise.models import ExpertiseTag, Recommendation
from pollen.territory.forms import CommuneField


class ExpertProfileForm(forms.Form):
    tags = forms.MultipleChoiceField(
        label=_("Domaines d'expertise"),
        choices=ExpertiseTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    organisation_name = forms.CharField(
        label=_("Organisation (employeur, association…)"), max_length=200, required=False
    )
    commune = CommuneField(label=_("Commune"), required=False)
    max_load = forms.IntegerField(
        label=_("Nombre maximal de candidatures à évaluer"), min_value=0, max_value=60
    )


class ConflictForm(forms.Form):
    application = forms.TypedChoiceField(label=_("Candidature"), coerce=int)
    reason = forms.CharField(
        label=_("Motif (lien avec la structure, le projet ou ses membres)"), max_length=500
    )

    def __init__(self, *args: Any, applications: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [("", _("— choisir —")), *applications]  # type: ignore[attr-defined]


def _marks(spec: CallSpec) -> list[tuple[str, Any]]:
    low, high = spec.scoring.scale_min, spec.scoring.scale_max
    return [("", _("— note —")), *((str(n), str(n)) for n in range(low, high + 1))]


class ReviewForm(forms.Form):
    """One mark per criterion of the call's grid (whole points on its scale), comments, advice."""

    comments = forms.CharField(
        label=_("Commentaires (motivez vos notes)"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    recommendation = forms.ChoiceField(
        label=_("Recommandation"),
        choices=[("", _("— choisir —")), *Recommendation.choices],
        required=False,
    )

    def __init__(self, *args: Any, spec: CallSpec, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = spec.scoring.criteria
        for criterion in self.criteria:
            self.fields[f"score_{criterion.id}"] = forms.TypedChoiceField(
                label=f"{criterion.label} (×{criterion.weight.normalize()})",
                choices=_marks(spec),
                coerce=Decimal,
                empty_value=None,
                required=False,
                help_text=criterion.help,
            )

    def score_fields(self) -> list[forms.BoundField]:
        return [self[f"score_{c.id}"] for c in self.criteria]

    def marks(self) -> dict[str, Decimal | None]:
        return {c.id: self.cleaned_data.get(f"score_{c.id}") for c in self.criteria}
