"""A jam's roster as the group forming sees it: groups, participants, pins, splits, reasons."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pollen.domain.text import Text

Id = str | int  # ids are kept as the organisers gave them, text or integer
Seating = Mapping[Id, Id]  # participant id → group id
Members = Mapping[Id, Sequence[Id]]  # group id → participant ids

PREFERENCE_POINTS = (3, 2, 1)  # a first choice is worth 3 points, a third 1, later ones nothing
_LIST_LIMIT = 8


class RosterError(ValueError):
    """A roster built by code (not parsed from a file) is inconsistent; the message is French."""


def text_key(text: str) -> str:
    """Spacing and case do not distinguish two kinds or two organisations."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class Group:
    """A working group of the jam, on one theme."""

    id: Id
    theme: str = ""

    @property
    def label(self) -> str:
        return f"« {self.theme or self.id} »"


@dataclass(frozen=True, slots=True)
class Participant:
    """A participant; preferences are group ids, best first, and only the first three count."""

    id: Id
    kind: str
    organisation: str = ""
    preferences: tuple[Id, ...] = ()
    present: bool = True

    @property
    def kind_key(self) -> str:
        return text_key(self.kind)

    @property
    def organisation_key(self) -> str | None:
        """None for someone who came on their own: they share a group with no colleague."""
        return text_key(self.organisation) or None

    def points_for(self, group_id: Id) -> int:
        ranked = self.preferences[: len(PREFERENCE_POINTS)]
        return PREFERENCE_POINTS[ranked.index(group_id)] if group_id in ranked else 0


@dataclass(frozen=True, slots=True)
class Pin:
    """A facilitator's decision that this participant sits in that group."""

    participant: Id
    group: Id


@dataclass(frozen=True, slots=True)
class Roster:
    """Groups, participants (present or not) and pins; pins may name unknown ids, rules say so."""

    groups: tuple[Group, ...]
    participants: tuple[Participant, ...]
    fixed: tuple[Pin, ...] = ()

    def __post_init__(self) -> None:
        for what, ids in (("groupe", [g.id for g in self.groups]),
                          ("participant", [p.id for p in self.participants])):  # fmt: skip
            for twice in sorted(str(i) for i, c in Counter(ids).items() if c > 1):
                raise RosterError(f"L'identifiant de {what} « {twice} » est en double.")

    @property
    def present(self) -> tuple[Participant, ...]:
        return tuple(p for p in self.participants if p.present)

    def group(self, group_id: Id) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def label(self, group_id: Id) -> str:
        """The group's label, or its id quoted when no such group exists."""
        group = self.group(group_id)
        return group.label if group else f"« {group_id} »"

    def pins(self) -> dict[Id, Id]:
        """The pins of present participants; someone absent sits nowhere, pinned or not."""
        present = {p.id for p in self.present}
        return {pin.participant: pin.group for pin in self.fixed if pin.participant in present}


@dataclass(frozen=True, slots=True)
class Quota:
    """Each group holds low or high of these; `high_groups` groups hold high (when they differ)."""

    count: int
    groups: int

    @property
    def low(self) -> int:
        return self.count // self.groups

    @property
    def high(self) -> int:
        return -(-self.count // self.groups)

    @property
    def high_groups(self) -> int:
        return self.count % self.groups

    def allowed(self) -> str:
        return f"{self.low}" if self.low == self.high else f"{self.low} ou {self.high}"


def kind_names(participants: Iterable[Participant]) -> dict[str, str]:
    """Each kind's key and the spelling it first appeared with, for sentences."""
    names: dict[str, str] = {}
    for p in participants:
        names.setdefault(p.kind_key, p.kind.strip())
    return names


def kind_counts(members: Iterable[Participant]) -> Counter[str]:
    return Counter(p.kind_key for p in members)


def listed(labels: Sequence[str]) -> str:
    """Labels for a sentence, the first few only."""
    shown = ", ".join(labels[:_LIST_LIMIT])
    return shown + (", …" if len(labels) > _LIST_LIMIT else "")


def quoted(ids: Iterable[Id]) -> str:
    return listed([f"« {i} »" for i in ids])


def same_organisation_pairs(members: Iterable[Participant]) -> int:
    """Pairs of colleagues in one group: c people of one organisation make c(c-1)/2 pairs."""
    counts = Counter(p.organisation_key for p in members if p.organisation_key)
    return sum(c * (c - 1) // 2 for c in counts.values())


@dataclass(frozen=True, slots=True)
class Reason:
    """A rule that does not or cannot hold: a stable code, a French sentence, the ids concerned."""

    code: str
    message: Text
    groups: tuple[Id, ...] = ()
    participants: tuple[Id, ...] = ()


@dataclass(frozen=True, slots=True)
class Split:
    """Every group with its members (in roster order) and the two objective values."""

    groups: Mapping[Id, tuple[Id, ...]]
    same_organisation_pairs: int
    preference_points: int
    optimal: bool


@dataclass(frozen=True, slots=True)
class Move:
    """A participant already seated who has to change group."""

    participant: Id
    from_group: Id
    to_group: Id


def split_of(roster: Roster, seating: Seating, *, optimal: bool) -> Split:
    """The split for a seating of present participants, with its pairs and points counted."""
    members: dict[Id, list[Participant]] = {g.id: [] for g in roster.groups}
    for p in roster.participants:
        if p.id in seating:
            members[seating[p.id]].append(p)
    return Split(
        groups={g: tuple(p.id for p in ps) for g, ps in members.items()},
        same_organisation_pairs=sum(same_organisation_pairs(ps) for ps in members.values()),
        preference_points=sum(p.points_for(g) for g, ps in members.items() for p in ps),
        optimal=optimal,
    )
