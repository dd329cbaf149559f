"""French figures for the places pages: shares, kilometres, populations."""

from django import template

from pollen.accounts.models import Machine
from pollen.places.reports import fr_int, fr_share

register = template.Library()
_MACHINES = dict(Machine.choices)


@register.filter
def share(value: float | None) -> str:
    return "—" if value is None else fr_share(value)


@register.filter
def km(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}".replace(".", ",") + "\u00a0km"


@register.filter
def population(value: int | None) -> str:
    return "—" if value is None else fr_int(int(value))


@register.filter
def machine_labels(codes: list[str] | None) -> list[str]:
    return [str(_MACHINES.get(code, code)) for code in codes or []]
