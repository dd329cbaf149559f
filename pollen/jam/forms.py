"""The jam's forms: registration, entry by room code, a proposal, a comment."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pollen.calls.models import Call
from pollen.formfields import IdModelChoiceField, IdModelMultipleChoiceField
from pollen.jam.models import ACTIVE, Jam, Kind, Lever, Outcome, Proposal, WorkingGroup
from pollen.jam.services import COMMENT_MAX, TEXT_MAX, TITLE_MAX


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Nom et prénom"), max_length=150)
    email = forms.EmailField(
        label=_("Adresse électronique"), help_text=_("Votre lien personnel y sera envoyé.")
    )
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Vous venez en tant que"), choices=Kind.choices)
    first = forms.TypedChoiceField(
        label=_("Thème préféré"), coerce=int, required=False, empty_value=None
    )
    second = forms.TypedChoiceField(
        label=_("Deuxième choix"), coerce=int, required=False, empty_value=None
    )
    third = forms.TypedChoiceField(
        label=_("Troisième choix"), coerce=int, required=False, empty_value=None
    )
    consent = forms.BooleanField(label=_("J'accepte"), required=True)

    def __init__(self, *args: Any, jam: Jam, **kwargs: Any):
        super().__init__(*args, **kwargs)
        themes = [("", _("— Pas de préférence —")), *((g.pk, g.theme) for g in jam.groups.all())]
        for name in ("first", "second", "third"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = themes
        self.fields["consent"].help_text = jam.consent_text

    def preferences(self) -> list[int]:
        chosen = [self.cleaned_data[n] for n in ("first", "second", "third")]
        return list(dict.fromkeys(c for c in chosen if c is not None))


class RoomCodeForm(forms.Form):
    room_code = forms.CharField(label=_("Code de la salle"), max_length=12)
    email = forms.EmailField(label=_("Adresse électronique utilisée à l'inscription"))


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Titre"), max_length=TITLE_MAX)
    text = forms.CharField(
        label=_("Votre proposition"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    lever = forms.ChoiceField(
        label=_("Le levier que l'État pourrait actionner"), choices=Lever.choices
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Votre commentaire"),
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SynthesisForm(forms.Form):
    finding = forms.CharField(label=_("Constat"), widget=forms.Textarea(attrs={"rows": 3}))
    proposals = IdModelMultipleChoiceField(
        label=_("Propositions retenues par le groupe"),
        queryset=Proposal.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    lever = forms.ChoiceField(label=_("Levier principal"), choices=Lever.choices)
    who_acts = forms.CharField(label=_("Qui doit agir"), max_length=300)
    means = forms.CharField(
        label=_("Moyens"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    indicator = forms.CharField(label=_("Indicateur de suivi"), max_length=300, required=False)

    def __init__(self, *args: Any, group: WorkingGroup, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["proposals"]
        assert isinstance(field, IdModelMultipleChoiceField)
        field.queryset = Proposal.objects.filter(ACTIVE, group=group)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Décision"), choices=Outcome.choices)
    answer = forms.CharField(label=_("Réponse publique"), widget=forms.Textarea(attrs={"rows": 2}))
    call = IdModelChoiceField(
        label=_("Appel à projets qui en est issu"),
        queryset=Call.objects.order_by("-opens_at"),
        required=False,
        empty_label=_("— Aucun —"),
    )
