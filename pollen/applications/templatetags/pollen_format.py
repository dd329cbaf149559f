"""French money and share formatting in templates, the same as in the rules' messages."""

from decimal import Decimal

from django import template

from pollen.domain.money import format_eur, format_percent

register = template.Library()


@register.filter
def eur(value: Decimal | int | None) -> str:
    return "—" if value is None else format_eur(Decimal(value))


@register.filter
def percent(value: Decimal | None) -> str:
    return "—" if value is None else format_percent(Decimal(value))
