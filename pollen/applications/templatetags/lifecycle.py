"""`{% if payment|allows:"approve" %}`: templates ask the row's lifecycle, never compare statuses."""

from typing import Protocol

from django import template

from pollen.permissions import Decision

register = template.Library()


class HasLifecycle(Protocol):
    def allows(self, event: str) -> Decision: ...


@register.filter
def allows(row: HasLifecycle, event: str) -> Decision:
    """Application, Grant or Payment; an unknown event raises, so a typo cannot hide a button."""
    return row.allows(event)
