"""Who may do what: a decision that says why, shared by pages, the API, commands and tasks.

Every service that changes state calls `require(can_…(acting_user, row))` on the row it
locks, with the same `can_…` its page uses; a second entry point cannot forget the rule.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from pollen.domain.text import Text
from pollen.formatting import sentence


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)


def allowed_unless(refusal: Text | None) -> Decision:
    """A lifecycle's answer (pollen/domain/…/status.py) as a Decision, in the active language."""
    return ALLOWED if refusal is None else Decision(False, sentence(refusal))


class Refused(PermissionDenied):
    """A service refused its caller; str() is the reason, in the active language."""


def require(decision: Decision) -> None:
    if not decision:
        raise Refused(decision.reason)
