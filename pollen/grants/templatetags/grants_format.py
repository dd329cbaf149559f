"""Integer cents as euros in the visitor's language (pollen.formatting; also `pollen_format`)."""

from django import template

from pollen.formatting import format_cents

register = template.Library()


@register.filter
def cents(value: int | None) -> str:
    return "—" if value is None else format_cents(int(value))
