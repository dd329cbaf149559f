"""The places pages' figures (shares, kilometres, populations) through pollen.formatting."""

from django import template

from pollen.accounts.models import Machine
from pollen.formatting import NBSP, format_decimal, format_integer, format_percent

register = template.Library()
_MACHINES = dict(Machine.choices)


@register.filter
def share(value: float | None) -> str:
    return "—" if value is None else format_percent(value, 1, fixed=True)


@register.filter
def km(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{format_decimal(value, 1)}{NBSP}km"


@register.filter
def population(value: int | None) -> str:
    return "—" if value is None else format_integer(int(value))


@register.filter
def machine_labels(codes: list[str] | None) -> list[str]:
    return [str(_MACHINES.get(code, code)) for code in codes or []]
