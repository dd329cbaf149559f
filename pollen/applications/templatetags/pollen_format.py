"""Every app's figures in templates, through pollen.formatting in the visitor's language
(amounts, cents, shares, integers, moments), and the rules' messages in that language."""

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.translation import gettext_lazy

from pollen.domain.apply.calls import CallSpec
from pollen.domain.apply.eligibility import Verdict
from pollen.domain.text import Text
from pollen.formatting import (
    format_amount,
    format_cents,
    format_date,
    format_decimal,
    format_integer,
    format_moment,
    format_percent,
    sentence,
)

register = template.Library()


@register.filter
def eur(value: Decimal | int | None) -> str:
    return "—" if value is None else format_amount(Decimal(value))


@register.filter
def cents(value: int | None) -> str:
    """{{ grant.awarded_cents|cents }}: integer cents as euros."""
    return "—" if value is None else format_cents(int(value))


@register.filter
def percent(value: Decimal | float | None, places: int = 2) -> str:
    """{{ share|percent }}: a share of one (0.7 is « 70 % »)."""
    return "—" if value is None else format_percent(value, int(places))


@register.filter
def integer(value: int | None) -> str:
    """{{ population|integer }}: « 12 345 » in French, "12,345" in English."""
    return "—" if value is None else format_integer(int(value))


@register.filter
def number(value: Decimal | float | int | None, places: int = 0) -> str:
    """{{ score|number:2 }}: a decimal number, grouped, with the language's decimal mark."""
    return "—" if value is None else format_decimal(value, int(places))


@register.filter
def day(value: dt.date | None) -> str:
    """{{ grant.decided_on|day }}: « 5 septembre 2013 » / "Sept. 5, 2013"."""
    return "" if value is None else format_date(value)


@register.filter
def translated(value: Verdict | Text) -> str:
    """A verdict's or a rule's sentence, in English when the visitor chose English, its figures
    written the visitor's way."""
    return sentence(value)


@register.filter(expects_localtime=True)
def moment(value: dt.datetime | None, precision: str = "minute") -> str:
    """`{{ when|moment }}`, `{{ when|moment:"second" }}` or `{{ when|moment:"weekday" }}`."""
    return "" if value is None else format_moment(value, precision)


@register.filter
def category_label(spec: CallSpec, category_id: str) -> str:
    """{{ spec|category_label:line.category }}: the call's label, never its code."""
    return spec.category_label(category_id)


@register.filter
def document_label(spec: CallSpec, doc_type: str) -> str:
    return spec.document_label(doc_type)


# What an application's history says of each audit action recorded on it (audit rows keep the
# code, for exports and the chain); an action missing here shows its code, which
# tests/test_labels.py catches.
_ACTIONS = {
    "application.created": gettext_lazy("Candidature créée"),
    "application.edited": gettext_lazy("Candidature modifiée"),
    "application.submitted": gettext_lazy("Candidature déposée"),
    "application.reopened": gettext_lazy("Candidature rouverte pour corrections"),
    "application.completed": gettext_lazy("Dossier déclaré complet"),
    "application.message_posted": gettext_lazy("Message envoyé"),
    "application.note": gettext_lazy("Note de l'équipe"),
    "application.decided": gettext_lazy("Décision du comité"),
    "document.added": gettext_lazy("Pièce jointe"),
    "document.removed": gettext_lazy("Pièce retirée"),
    "grant.awarded": gettext_lazy("Subvention attribuée"),
    "grant.signed": gettext_lazy("Convention signée"),
    "payment.requested": gettext_lazy("Versement demandé"),
    "payment.approved": gettext_lazy("Versement approuvé"),
    "payment.paid": gettext_lazy("Versement payé"),
    "report.progress": gettext_lazy("Rapport d'étape déposé"),
    "report.final": gettext_lazy("Rapport final déposé"),
    "review.experts_assigned": gettext_lazy("Experts désignés"),
    "review.submitted": gettext_lazy("Évaluation rendue"),
    "review.conflict_declared": gettext_lazy("Conflit d'intérêts déclaré"),
    "review.pair_rule_set": gettext_lazy("Règle d'affectation posée"),
    "review.pair_rule_removed": gettext_lazy("Règle d'affectation retirée"),
    "retention.application_anonymised": gettext_lazy("Candidature anonymisée (conservation)"),
    "retention.draft_warned": gettext_lazy("Avertissement avant suppression du brouillon"),
}


@register.filter
def action_label(action: str) -> str:
    """{{ event.action|action_label }}: what happened, in words."""
    return str(_ACTIONS.get(action, action))
