"""A lifecycle: statuses, named events and the table of allowed transitions, with reasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pollen.domain.text import Text


class UnknownStatus(ValueError):
    """A status the lifecycle does not define: a bug or a corrupt row, never a refusal."""


class UnknownEvent(ValueError):
    """An event the lifecycle does not define (a typo in a template or a service)."""


class TransitionRefused(Exception):
    """The row's status does not allow the event; `reason` says why, in French."""

    def __init__(self, lifecycle: str, status: str, event: str, reason: Text):
        super().__init__(str(reason))
        self.lifecycle, self.status, self.event, self.reason = lifecycle, status, event, reason

    @property
    def code(self) -> str:
        """Stable, for exports and logs: `payment.pay.refused_from.paid`."""
        return f"{self.lifecycle}.{self.event}.refused_from.{self.status}"


_NONE: Mapping[tuple[str, str], str] = MappingProxyType({})


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per lifecycle
class Lifecycle:
    """`transitions[status][event]` is the status the event leads to; absent means refused.

    An event that leads back to its own status is an action the status allows without
    changing it (editing a draft, filing a report on a signed grant). `reasons[event]` is the
    French sentence given when the event is refused; `reasons_from[(status, event)]` a
    sharper one for one status (paying a tranche already paid).
    """

    name: str
    initial: str
    transitions: Mapping[str, Mapping[str, str]]
    reasons: Mapping[str, str]
    reasons_from: Mapping[tuple[str, str], str] = field(default=_NONE)

    def __post_init__(self) -> None:
        statuses = set(self.transitions)
        if self.initial not in statuses:
            raise UnknownStatus(f"{self.name}: initial status {self.initial!r} is not in the table")
        for status, moves in self.transitions.items():
            if undefined := set(moves.values()) - statuses:
                raise UnknownStatus(f"{self.name}: {status} leads to undefined {sorted(undefined)}")
        used = {e for moves in self.transitions.values() for e in moves}
        if used != set(self.reasons):
            odd = sorted(used ^ set(self.reasons))
            raise UnknownEvent(f"{self.name}: events without a reason or a transition: {odd}")
        for status, event in self.reasons_from:
            if self.can(status, event):
                raise ValueError(f"{self.name}: a reason for the allowed {event} from {status}")

    @property
    def statuses(self) -> frozenset[str]:
        return frozenset(self.transitions)

    @property
    def events(self) -> frozenset[str]:
        return frozenset(self.reasons)

    @property
    def terminal(self) -> frozenset[str]:
        """Statuses no event leaves (an action that keeps the status is not an exit)."""
        return frozenset(s for s, moves in self.transitions.items() if set(moves.values()) <= {s})

    def _check_status(self, status: str) -> None:
        if status not in self.transitions:
            raise UnknownStatus(f"{self.name}: unknown status {status!r}")

    def _check_event(self, event: str) -> None:
        if event not in self.reasons:
            raise UnknownEvent(f"{self.name}: unknown event {event!r}")

    def can(self, status: str, event: str) -> bool:
        self._check_status(status)
        self._check_event(event)
        return event in self.transitions[status]

    def refusal(self, status: str, event: str) -> Text | None:
        """Why the event is refused from this status, or None when it is allowed."""
        if self.can(status, event):
            return None
        return Text(self.reasons_from.get((status, event), self.reasons[event]))

    def next_status(self, status: str, event: str) -> str:
        """The status the event leads to; `TransitionRefused` (with its reason) if it may not."""
        if (reason := self.refusal(status, event)) is not None:
            raise TransitionRefused(self.name, status, event, reason)
        return self.transitions[status][event]

    def events_from(self, status: str) -> frozenset[str]:
        self._check_status(status)
        return frozenset(self.transitions[status])

    def statuses_allowing(self, event: str) -> frozenset[str]:
        """For queries: `status__in=APPLICATION.statuses_allowing(SELECT)`."""
        self._check_event(event)
        return frozenset(s for s, moves in self.transitions.items() if event in moves)
