"""Integer cents as euros in the visitor's language (pollen.formatting; also `pollen_format`)."""

from django import template

from pollen.formatting import format_cents
from pollen.grants.models import Payment
from pollen.grants.selectors import can_take_payment_step

register = template.Library()


@register.filter
def cents(value: int | None) -> str:
    return "—" if value is None else format_cents(int(value))


@register.simple_tag(takes_context=True)
def may_take(context: template.Context, payment: Payment, step: str) -> bool:
    """`{% may_take p "approve" as ok %}`: the step is possible now and falls to this person."""
    return bool(can_take_payment_step(context["request"].user, payment, step))
