"""Numbers, amounts, shares and moments written the way the active language writes them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext, gettext_lazy

from pollen.domain.text import Amount, Figure, Number, Share

NBSP = "\u00a0"  # before « € » and « % »: an amount never wraps before its unit
NNBSP = "\u202f"  # French thousands: a narrow no-break space
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Style:
    """How one language writes figures."""

    group: str
    decimal: str
    currency_first: bool  # "€12.00" (English) or "12,00 €" (French)
    before_percent: str


STYLES = {
    "fr": Style(group=NNBSP, decimal=",", currency_first=False, before_percent=NBSP),
    "en": Style(group=",", decimal=".", currency_first=True, before_percent=""),
}


def style(language: str | None = None) -> Style:
    """The active language's style (French for any language Pollen does not speak)."""
    code = (language or get_language() or "fr").split("-")[0]
    return STYLES.get(code, STYLES["fr"])


def _grouped(units: str, group: str) -> str:
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return group.join(groups) or "0"


def format_decimal(
    value: Decimal | int | float, places: int = 0, *, language: str | None = None
) -> str:
    """12345.678, places=2 -> « 12 345,68 » / "12,345.68" (half up, grouped by thousands)."""
    s = style(language)
    quantized = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    units, _, decimals = f"{abs(quantized):f}".partition(".")
    text = _grouped(units, s.group)
    return f"{sign}{text}{s.decimal}{decimals}" if decimals else f"{sign}{text}"


def format_integer(value: int, *, language: str | None = None) -> str:
    """12345 -> « 12 345 » / "12,345"."""
    return format_decimal(int(value), 0, language=language)


def format_amount(amount: Decimal | int, *, language: str | None = None) -> str:
    """Euros to the cent: « 12 345,67 € » in French, "€12,345.67" in English."""
    s = style(language)
    text = format_decimal(Decimal(amount), 2, language=language)
    if not s.currency_first:
        return f"{text}{NBSP}€"
    return f"-€{text[1:]}" if text.startswith("-") else f"€{text}"


def format_cents(cents: int, *, language: str | None = None) -> str:
    return format_amount((Decimal(int(cents)) / 100).quantize(CENT), language=language)


def format_percent(
    share: Decimal | float, places: int = 2, *, fixed: bool = False, language: str | None = None
) -> str:
    """A share of one, trailing zeros dropped unless `fixed`: 0.7 -> « 70 % », 0.70125 ->
    « 70,13 % »; 0.45 with one fixed place -> « 45,0 % »."""
    s = style(language)
    value = (Decimal(str(share)) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format_decimal(value, places, language=language)
    if s.decimal in text and not fixed:
        text = text.rstrip("0").rstrip(s.decimal)
    return f"{text}{s.before_percent}%"


def format_date(value: dt.date) -> str:
    """« 5 septembre 2013 » / "Sept. 5, 2013"."""
    return date_format(value, "DATE_FORMAT")


# A moment written out ("5 septembre 2013 à 18:11"): the format is translated with the page,
# since "à" is a literal in French and "at" would be two format characters in English.
MOMENT_FORMATS = {
    "minute": gettext_lazy("j F Y à H:i"),
    "second": gettext_lazy("j F Y à H:i:s"),
    "weekday": gettext_lazy("l j F Y à H:i:s"),
}


def format_moment(value: dt.datetime, precision: str = "minute") -> str:
    """An aware moment in the site's time zone, to the minute, the second or with its weekday."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return date_format(value, str(MOMENT_FORMATS[precision]))


def for_pdf(text: str) -> str:
    """ReportLab's standard fonts (cp1252) have no narrow no-break space: a plain one instead."""
    return text.replace(NNBSP, NBSP)


def format_figure(figure: Figure) -> str:
    """A figure of a domain sentence (an amount, a share, a number, a day), in the active language."""
    if isinstance(figure, Amount):
        return format_amount(figure.euros)
    if isinstance(figure, Share):
        return format_percent(figure.value, figure.places, fixed=figure.fixed)
    if isinstance(figure, Number):
        return format_decimal(figure.value, figure.places)
    return format_date(figure.value)


class Sentence(Protocol):
    """A `Text`, or what carries one (an eligibility verdict)."""

    def translated(self, gettext: Callable[[str], str], write: Callable[[Figure], str]) -> str: ...


def sentence(text: Sentence) -> str:
    """A domain sentence (a `Text`, a verdict) in the active language, figures included."""
    return text.translated(gettext, format_figure)
