"""Small random jams and a brute force that tries every seating, to hold the solver to account.

Everything here recomputes the rules and the objective values on its own, from plain tuples,
so that the tests compare the domain code with an independent reading of the rules.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from hypothesis import strategies as st

from pollen.domain.jam.roster import Group, Participant, Pin, Roster

GROUP_IDS = ("G0", 1, "G2")  # text and integer ids side by side
THEMES = ("Fabrication", "Éducation", "Territoire")
KINDS = ("entreprise", "association", "élu", "Élu ")  # the last two are one kind
ORGANISATIONS = ("", "  ", "Fablab", "fablab", "Fablab ", "Mairie")  # blank means none


@dataclass(frozen=True)
class Person:
    id: str | int
    kind: str
    organisation: str
    preferences: tuple[int, ...]  # group indices, best first
    present: bool
    pin: int | None  # group index


@dataclass(frozen=True)
class Case:
    groups: int
    people: tuple[Person, ...]

    @property
    def present(self) -> list[int]:
        return [i for i, p in enumerate(self.people) if p.present]

    def roster(self) -> Roster:
        ids = GROUP_IDS[: self.groups]
        participants = tuple(
            Participant(
                p.id, p.kind, p.organisation, tuple(ids[g] for g in p.preferences), p.present
            )
            for p in self.people
        )
        pins = tuple(Pin(p.id, ids[p.pin]) for p in self.people if p.pin is not None)
        return Roster(tuple(map(Group, ids, THEMES)), participants, pins)

    def group_id(self, g: int) -> str | int:
        return GROUP_IDS[g]


@st.composite
def cases(draw: st.DrawFn, max_people: int = 9) -> Case:
    m = draw(st.integers(2, 3))
    n = draw(st.integers(0, max_people))
    # Two people in three want the same first group, so that colleagues compete for it.
    anything = st.lists(st.integers(0, m - 1), unique=True, max_size=m).map(tuple)
    preferences = st.one_of(st.just((0,)), st.just((0, 1)), anything)
    people = tuple(
        Person(
            id=i if i % 2 else f"p{i}",
            kind=draw(st.sampled_from(KINDS)),
            organisation=draw(st.sampled_from(ORGANISATIONS)),
            preferences=draw(preferences),
            present=draw(st.integers(0, 5)) > 0,
            pin=draw(st.sampled_from([None, None, None, None, *range(m)])),
        )
        for i in range(n)
    )
    return Case(m, people)


def _key(text: str) -> str:
    return text.strip().casefold()


def breaks(case: Case, seats: dict[int, int]) -> set[str]:
    """Codes of the rules broken when person i sits in group seats[i] (absent ones included)."""
    codes = set()
    present = case.present
    if any(i not in seats for i in present):
        codes.add("unseated")
    if any(not case.people[i].present for i in seats):
        codes.add("absent_seated")
    seated = [i for i in present if i in seats]
    sizes = Counter(seats[i] for i in seated)
    if max(sizes[g] for g in range(case.groups)) - min(sizes[g] for g in range(case.groups)) > 1:
        codes.add("sizes_unbalanced")
    for kind in {_key(case.people[i].kind) for i in present}:
        total = sum(_key(case.people[i].kind) == kind for i in present)
        counts = Counter(seats[i] for i in seated if _key(case.people[i].kind) == kind)
        allowed = {total // case.groups, -(-total // case.groups)}
        if any(counts[g] not in allowed for g in range(case.groups)):
            codes.add("kind_quota")
    if any(case.people[i].pin not in (None, seats.get(i)) for i in present):
        codes.add("pin_broken")
    return codes


def pairs(case: Case, seats: dict[int, int]) -> int:
    return sum(
        1
        for i, j in itertools.combinations(sorted(seats), 2)
        if seats[i] == seats[j]
        and _key(case.people[i].organisation)
        and _key(case.people[i].organisation) == _key(case.people[j].organisation)
    )


def points(case: Case, seats: dict[int, int]) -> int:
    total = 0
    for i, g in seats.items():
        ranked = case.people[i].preferences[:3]
        total += (3, 2, 1)[ranked.index(g)] if g in ranked else 0
    return total


def valid_seatings(case: Case) -> Iterator[dict[int, int]]:
    """Every seating of the present people that keeps all the rules."""
    present = case.present
    choices = [
        [case.people[i].pin] if case.people[i].pin is not None else range(case.groups)
        for i in present
    ]
    for groups in itertools.product(*choices):
        seats = dict(zip(present, groups, strict=True))
        if not breaks(case, seats):
            yield seats


def seats_of(case: Case, members: dict[str | int, tuple[str | int, ...]]) -> dict[int, int]:
    """A split given by ids, back to person index → group index."""
    index = {p.id: i for i, p in enumerate(case.people)}
    return {index[pid]: GROUP_IDS.index(g) for g, pids in members.items() for pid in pids}
