"""Integer cents shown as French euros in templates."""

from django import template

from pollen.domain.apply.money import format_eur, from_cents

register = template.Library()


@register.filter
def cents(value: int | None) -> str:
    return "—" if value is None else format_eur(from_cents(int(value)))
