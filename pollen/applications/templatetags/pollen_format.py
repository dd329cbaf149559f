"""French money and share formatting in templates, the same as in the rules' messages, the
rules' messages themselves in the visitor's language, and moments written out in that language."""

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from pollen.domain.apply.calls import CallSpec
from pollen.domain.apply.eligibility import Verdict
from pollen.domain.apply.money import format_eur, format_percent
from pollen.domain.text import Text

register = template.Library()


@register.filter
def eur(value: Decimal | int | None) -> str:
    return "—" if value is None else format_eur(Decimal(value))


@register.filter
def percent(value: Decimal | None) -> str:
    return "—" if value is None else format_percent(Decimal(value))


@register.filter
def translated(value: Verdict | Text) -> str:
    """A verdict's or a rule's sentence, in English when the visitor chose English."""
    return value.translated(gettext)


# A moment written out ("5 septembre 2013 à 18:11"): the format is translated with the page,
# since "à" is a literal in French and "at" would be two format characters in English.
_MOMENT_FORMATS = {
    "minute": gettext_lazy("j F Y à H:i"),
    "second": gettext_lazy("j F Y à H:i:s"),
    "weekday": gettext_lazy("l j F Y à H:i:s"),
}


@register.filter(expects_localtime=True)
def moment(value: dt.datetime | None, precision: str = "minute") -> str:
    """`{{ when|moment }}`, `{{ when|moment:"second" }}` or `{{ when|moment:"weekday" }}`."""
    return "" if value is None else date_format(value, str(_MOMENT_FORMATS[precision]))


@register.filter
def category_label(spec: CallSpec, category_id: str) -> str:
    """{{ spec|category_label:line.category }}: the call's label, never its code."""
    return spec.category_label(category_id)


@register.filter
def document_label(spec: CallSpec, doc_type: str) -> str:
    return spec.document_label(doc_type)
