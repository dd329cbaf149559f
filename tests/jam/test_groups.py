"""The jam's working groups: the optimum and the rebalancing checked against a brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pollen.domain.jam import groups_solver
from pollen.domain.jam.groups import (
    Group,
    Participant,
    Pin,
    Roster,
    RosterError,
    form_groups,
    rebalance,
)
from tests.jam.cases import Case, Person, breaks, cases, pairs, points, seats_of, valid_seatings


@settings(max_examples=60, deadline=None)
@given(cases())
def test_it_finds_the_brute_force_optimum_or_says_why_there_is_none(case: Case):
    best = max(((-pairs(case, s), points(case, s)) for s in valid_seatings(case)), default=None)
    formed = form_groups(case.roster())
    if best is None:
        assert formed.split is None
        assert formed.reasons and all(str(r.message) for r in formed.reasons)
        return
    assert formed.split is not None, formed.reasons
    seats = seats_of(case, dict(formed.split.groups))
    assert breaks(case, seats) == set()
    assert set(formed.split.groups) == set(case.roster().groups[g].id for g in range(case.groups))
    found = (pairs(case, seats), points(case, seats))
    assert found == (formed.split.same_organisation_pairs, formed.split.preference_points)
    assert found == (-best[0], best[1])
    assert formed.split.optimal


@settings(max_examples=60, deadline=None)
@given(cases(max_people=8), st.data())
def test_it_rebalances_with_no_more_moves_than_needed(case: Case, data: st.DataObject):
    # The seating before: some people (present now or not) sat somewhere, maybe badly.
    before = {
        i: g
        for i in range(len(case.people))
        if (g := data.draw(st.sampled_from([None, *range(case.groups)]))) is not None
    }
    ranked = [
        (sum(1 for i in case.present if i in before and s[i] != before[i]),
         pairs(case, s), -points(case, s))
        for s in valid_seatings(case)
    ]  # fmt: skip
    seating = {case.people[i].id: case.group_id(g) for i, g in before.items()}
    result = rebalance(case.roster(), seating)
    if not ranked:
        assert result.split is None and result.reasons
        return
    assert result.split is not None, result.reasons
    seats = seats_of(case, dict(result.split.groups))
    assert breaks(case, seats) == set()
    moved = {i for i in case.present if i in before and seats[i] != before[i]}
    assert {case.people[i].id for i in moved} == {m.participant for m in result.moves}
    for move in result.moves:
        assert move.from_group == seating[move.participant]
        assert move.participant in result.split.groups[move.to_group]
    found = (len(moved), pairs(case, seats), -points(case, seats))
    assert found == min(ranked)
    assert (found[1], -found[2]) == (
        result.split.same_organisation_pairs,
        result.split.preference_points,
    )


def _person(i: int, kind: str, organisation: str = "", preferences=(), pin=None) -> Person:
    return Person(f"p{i}", kind, organisation, tuple(preferences), True, pin)


def test_it_prefers_separating_colleagues_over_their_first_choices():
    # Both Fablab people want group 0 first; one pair less beats any preference point.
    people = (
        _person(0, "entreprise", "Fablab", [0]),
        _person(1, "entreprise", "Fablab", [0]),
        _person(2, "association", "", [1]),
        _person(3, "association", "", [1]),
    )
    formed = form_groups(Case(2, people).roster())
    assert formed.split is not None
    assert formed.split.same_organisation_pairs == 0
    assert formed.split.preference_points == 3 + 3  # one Fablab person and one association
    assert [len(m) for m in formed.split.groups.values()] == [2, 2]


def test_it_counts_three_colleagues_together_as_three_pairs():
    # Four Fablab people (two of each kind) who all want group 0; the others want group 1.
    # Three of them together would be 3 pairs, worse than 2 + 2 (1 + 1 pair), whatever the
    # points: a model that priced three colleagues as two pairs would seat them 3 + 1.
    people = (
        *(_person(i, "entreprise", "Fablab", [0]) for i in range(2)),
        *(_person(i, "association", "Fablab", [0]) for i in range(2, 4)),
        *(_person(i, "entreprise", "", [1]) for i in range(4, 6)),
        *(_person(i, "association", "", [1]) for i in range(6, 8)),
    )
    formed = form_groups(Case(2, people).roster())
    assert formed.split is not None
    assert formed.split.same_organisation_pairs == 2
    assert formed.split.preference_points == 2 * 3 + 2 * 3  # 3 + 1 would have made 18


def test_it_counts_only_the_first_three_preferences():
    p = Participant("p", "citoyen", preferences=("a", "b", "c", "d"))
    assert [p.points_for(g) for g in ("a", "b", "c", "d", "z")] == [3, 2, 1, 0, 0]


def test_it_seats_nobody_absent_and_lists_every_group_even_empty():
    roster = Roster(
        (Group("G1"), Group("G2"), Group(3)),
        (Participant("a", "élu"), Participant("b", "élu", present=False)),
        (Pin("b", "G2"),),  # an absent participant's pin is dropped, not an error
    )
    formed = form_groups(roster)
    assert formed.split is not None
    assert sorted(map(str, formed.split.groups)) == ["3", "G1", "G2"]
    assert sorted(p for ps in formed.split.groups.values() for p in ps) == ["a"]


def test_it_names_the_group_a_pin_overfills():
    people = (*(_person(i, "entreprise", pin=0) for i in range(3)), _person(3, "citoyen"))
    formed = form_groups(Case(2, people).roster())
    assert formed.split is None
    codes = [r.code for r in formed.reasons]
    assert codes == ["pins_over_size", "pins_over_kind_quota"]
    assert str(formed.reasons[0].message) == (
        "Le groupe « Fabrication » a 3 participants épinglés, plus que le maximum de 2 par "
        "groupe (4 présents pour 2 groupes)."
    )
    assert "de type « entreprise », plus que le maximum de 2 par groupe" in str(
        formed.reasons[1].message
    )


def test_it_says_when_pins_push_too_many_groups_to_a_kind_ceiling():
    # 4 élus for 3 groups: one group may hold 2, not two (nor may two groups have 2 people).
    people = (
        _person(0, "élu", pin=0), _person(1, "élu", pin=0),
        _person(2, "élu", pin=1), _person(3, "élu", pin=1),
    )  # fmt: skip
    formed = form_groups(Case(3, people).roster())
    assert [r.code for r in formed.reasons] == ["pins_over_kind_extras"]
    assert formed.reasons[0].groups == ("G0", 1)
    assert str(formed.reasons[0].message) == (
        "Les épinglages mettent 2 participants de type « élu » dans 2 groupes (« Fabrication », "
        "« Éducation »), alors qu'un seul groupe peut en compter autant (4 présents de ce type "
        "pour 3 groupes)."
    )


def test_it_says_when_pins_force_a_group_over_its_size_through_the_kinds():
    # 11 people for 3 groups: at most 4 each. Group 0 has 4 pinned (2 entreprises, 2
    # associations), allowed, but it must also hold one of the 3 élus: 5.
    people = (
        *(_person(i, "entreprise", pin=0 if i < 2 else None) for i in range(4)),
        *(_person(i, "association", pin=0 if i < 6 else None) for i in range(4, 8)),
        *(_person(i, "élu") for i in range(8, 11)),
    )
    formed = form_groups(Case(3, people).roster())
    assert [r.code for r in formed.reasons] == ["pins_force_oversize"]
    assert str(formed.reasons[0].message) == (
        "Avec ses participants épinglés, le groupe « Fabrication » compterait au moins 5 "
        "participants une fois chaque type au minimum, plus que le maximum de 4 par groupe (11 "
        "présents pour 3 groupes)."
    )


def test_it_reports_unknown_pins_and_pins_to_two_groups():
    roster = Roster(
        (Group("G1", "Fabrication"),),
        (Participant("a", "élu"),),
        (Pin("a", "G1"), Pin("a", "G9"), Pin("z", "G1")),
    )
    formed = form_groups(roster)
    assert [r.code for r in formed.reasons] == [
        "pin_unknown_group",
        "pin_unknown_participant",
        "pin_conflict",
    ]
    assert str(formed.reasons[0].message) == "« a » est épinglé au groupe « G9 », qui n'existe pas."


def test_it_needs_a_group_for_present_participants():
    formed = form_groups(Roster((), (Participant("a", "élu"),)))
    assert [r.code for r in formed.reasons] == ["no_groups"]


def test_it_falls_back_to_a_generic_reason_when_the_solver_finds_no_split(monkeypatch):
    monkeypatch.setattr("pollen.domain.jam.groups.pin_reasons", lambda roster: ())
    people = tuple(_person(i, "entreprise", pin=0) for i in range(3))
    formed = form_groups(Case(2, people).roster())
    assert [r.code for r in formed.reasons] == ["infeasible"]


def test_it_says_optimal_false_when_the_time_limit_stops_a_stage(monkeypatch):
    real = groups_solver.milp
    calls = []

    def stopped_at_second_stage(*args, **kwargs):
        result = real(*args, **kwargs)
        calls.append(result)
        if len(calls) == 2:
            result.status = 1  # as HiGHS says when its time limit stops it with a point
        return result

    monkeypatch.setattr(groups_solver, "milp", stopped_at_second_stage)
    case = Case(2, tuple(_person(i, "citoyen", preferences=[i % 2]) for i in range(4)))
    # Rebalancing solves twice: fewest moves (none: p0 and p1 stay, off their choices), then
    # pairs and points; the second solve's point is kept, though not proven.
    result = rebalance(case.roster(), {"p0": 1, "p1": "G0"})
    assert len(calls) == 2
    assert result.split is not None and not result.split.optimal
    assert result.split.groups == {"G0": ("p1", "p2"), 1: ("p0", "p3")}
    assert (result.split.preference_points, result.moves) == (6, ())


def test_it_gives_up_without_a_split_when_no_time_is_left():
    case = Case(2, tuple(_person(i, "citoyen") for i in range(4)))
    formed = form_groups(case.roster(), time_limit=1e-12)
    assert [r.code for r in formed.reasons] == ["timed_out"]
    with pytest.raises(RosterError):
        form_groups(case.roster(), time_limit=0)


def test_it_refuses_a_seating_in_an_unknown_group():
    case = Case(2, (_person(0, "citoyen"),))
    with pytest.raises(RosterError, match="groupe inconnu"):
        rebalance(case.roster(), {"p0": "G7"})


def test_the_pairs_cuts_are_exact_for_every_organisation_size():
    # pairs >= j*c - j(j+1)/2 for j = 1 … s-1: the largest right-hand side is c(c-1)/2.
    for s in range(2, 8):
        for c in range(s + 1):
            cuts = [j * c - j * (j + 1) / 2 for j in range(1, s)]
            assert np.isclose(max([0.0, *cuts]), c * (c - 1) / 2)
