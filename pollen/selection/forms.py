"""The committee's scenario form: the envelope, the awards, the territory and the must lists."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pollen.calls.models import Call
from pollen.selection.adapters import Pool, ScenarioParameters

DEFAULT_RADIUS_KM = 20
DEFAULT_COVERAGE_WEIGHT = Decimal("1")


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Nom du scénario"), max_length=120)
    envelope = forms.DecimalField(
        label=_("Enveloppe (€)"), min_value=Decimal("0"), max_digits=14, decimal_places=2
    )
    min_awards = forms.IntegerField(label=_("Nombre minimal de lauréats"), min_value=0)
    max_awards = forms.IntegerField(
        label=_("Nombre maximal de lauréats"),
        min_value=0,
        required=False,
        help_text=_("Vide : pas de maximum."),
    )
    min_score = forms.DecimalField(
        label=_("Note minimale"), max_digits=6, decimal_places=2, initial=Decimal("0")
    )
    region_max = forms.IntegerField(
        label=_("Plafond de lauréats par région"),
        min_value=1,
        required=False,
        help_text=_("Vide : pas de plafond."),
    )
    radius_km = forms.DecimalField(
        label=_("Rayon de couverture R (km)"),
        min_value=Decimal("1"),
        max_value=Decimal("200"),
        max_digits=5,
        decimal_places=1,
    )
    coverage_weight = forms.DecimalField(
        label=_("Poids de la couverture w"),
        min_value=Decimal("0"),
        max_digits=8,
        decimal_places=3,
        help_text=_(
            "Chaque tranche de 100 000 habitants nouvellement à moins de R km d'un fablab vaut "
            "w points de note. 0 : seules les notes comptent."
        ),
    )
    must_include = forms.MultipleChoiceField(
        label=_("Retenir d'office"), required=False, widget=forms.CheckboxSelectMultiple
    )
    must_exclude = forms.MultipleChoiceField(
        label=_("Exclure"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, pool: Pool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                str(e.application.pk),
                f"{e.application.organisation.legal_name} — {e.application.title}",
            )
            for e in pool.entries
        ]
        self.fields["must_include"].choices = choices  # type: ignore[attr-defined]
        self.fields["must_exclude"].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_awards"), data.get("max_awards")
        if low is not None and high is not None and low > high:
            self.add_error(
                "min_awards",
                _("Le nombre minimal de lauréats (%(low)s) dépasse le maximum (%(high)s).")
                % {"low": low, "high": high},
            )
        both = set(data.get("must_include") or ()) & set(data.get("must_exclude") or ())
        if both:
            self.add_error(
                "must_exclude", _("Une candidature ne peut pas être à la fois retenue et exclue.")
            )
        return data

    def parameters(self) -> ScenarioParameters:
        data = self.cleaned_data
        return ScenarioParameters(
            envelope=data["envelope"],
            min_awards=data["min_awards"],
            max_awards=data.get("max_awards"),
            min_score=data["min_score"],
            region_max=data.get("region_max"),
            radius_km=data["radius_km"],
            coverage_weight=data["coverage_weight"],
            must_include=tuple(data.get("must_include") or ()),
            must_exclude=tuple(data.get("must_exclude") or ()),
        )


def initial_for(call: Call, count: int) -> dict[str, Any]:
    """The defaults: the call's envelope and target number of awards."""
    return {
        "name": _("Scénario %(n)s") % {"n": count + 1},
        "envelope": call.envelope,
        "min_awards": 0,
        "max_awards": call.target_awards,
        "min_score": Decimal("0"),
        "radius_km": DEFAULT_RADIUS_KM,
        "coverage_weight": DEFAULT_COVERAGE_WEIGHT,
    }


def initial_from_run(parameters: dict[str, Any], name: str) -> dict[str, Any]:
    """A stored scenario's values, to run it again with a change."""
    return {**parameters, "name": name}
