"""rule_breaks and check_split: every broken rule of a split, with its code and its sentence."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pollen.domain.jam.groups import Group, Participant, Pin, Roster, check_split, rule_breaks
from tests.jam.cases import Case, breaks, cases, pairs, points


@settings(max_examples=80, deadline=None)
@given(cases(), st.data())
def test_it_finds_exactly_the_rules_a_random_split_breaks(case: Case, data: st.DataObject):
    seats = {
        i: g
        for i in range(len(case.people))
        if (g := data.draw(st.sampled_from([None, *range(case.groups)]))) is not None
    }
    members = {case.group_id(g): [] for g in range(case.groups)}
    for i, g in seats.items():
        members[case.group_id(g)].append(case.people[i].id)
    check = check_split(case.roster(), members)
    assert {b.code for b in check.breaks} == breaks(case, seats)
    assert all(str(b.message).endswith(".") for b in check.breaks)
    assert check.valid == (not breaks(case, seats))
    assert check.same_organisation_pairs == pairs(case, seats)
    assert check.preference_points == points(case, seats)


def _fabrication_roster() -> Roster:
    groups = (Group("fab", "Fabrication"), Group("edu", "Éducation"), Group("ter", "Territoire"))
    people = [Participant(f"e{i}", "entreprise", f"Org {i % 3}") for i in range(30)]
    people += [Participant(f"a{i}", "association") for i in range(23)]
    return Roster(groups, tuple(people))


def _deal(roster: Roster) -> dict[str, list[str | int]]:
    members: dict[str, list[str | int]] = {str(g.id): [] for g in roster.groups}
    for n, p in enumerate(roster.participants):
        members[str(roster.groups[n % 3].id)].append(p.id)
    return members


def test_a_dealt_split_breaks_nothing():
    roster = _fabrication_roster()
    assert rule_breaks(roster, _deal(roster)) == ()


def test_it_says_one_group_is_too_big_in_the_words_of_the_facilitators():
    roster = _fabrication_roster()
    members = _deal(roster)  # 18, 18, 17: move one from each other group into Fabrication
    members["fab"] += [members["edu"].pop(0), members["ter"].pop(0)]
    members["edu"].append(members["ter"].pop(0))
    members["ter"].append(members["edu"].pop(0))
    sizes = [len(m) for m in members.values()]
    assert sizes == [20, 17, 16]
    members["edu"].append(members["fab"].pop())
    assert [len(m) for m in members.values()] == [19, 18, 16]
    members["ter"].append(members["edu"].pop())
    assert [len(m) for m in members.values()] == [19, 17, 17]
    sizes_break = [b for b in rule_breaks(roster, members) if b.code == "sizes_unbalanced"]
    assert [str(b.message) for b in sizes_break] == [
        "Le groupe « Fabrication » compte 19 participants, les autres 17 : les tailles ne "
        "doivent pas différer de plus d'un."
    ]
    assert sizes_break[0].groups == ("fab", "edu", "ter")


def test_it_names_the_biggest_and_the_smallest_group_when_sizes_spread():
    roster = _fabrication_roster()
    members = _deal(roster)
    members["fab"].append(members["ter"].pop())
    members["fab"].append(members["ter"].pop())
    (sizes_break,) = [b for b in rule_breaks(roster, members) if b.code == "sizes_unbalanced"]
    assert str(sizes_break.message) == (
        "Le groupe « Fabrication » compte 20 participants et le groupe « Territoire » 15 : les "
        "tailles ne doivent pas différer de plus d'un."
    )


def test_it_names_the_kind_a_group_has_too_many_of():
    roster = _fabrication_roster()
    members = _deal(roster)
    # Swap an entreprise of Éducation with an association of Fabrication (8 of 23 there).
    entreprise, association = members["edu"].index("e1"), members["fab"].index("a3")
    members["edu"][entreprise], members["fab"][association] = "a3", "e1"
    messages = [str(b.message) for b in rule_breaks(roster, members)]
    assert messages == [
        "Le groupe « Fabrication » compte 11 participants de type « entreprise » ; chaque "
        "groupe doit en compter 10 (30 présents de ce type pour 3 groupes).",
        "Le groupe « Éducation » compte 9 participants de type « entreprise » ; chaque "
        "groupe doit en compter 10 (30 présents de ce type pour 3 groupes).",
        "Le groupe « Éducation » compte 9 participants de type « association » ; chaque "
        "groupe doit en compter 7 ou 8 (23 présents de ce type pour 3 groupes).",
    ]


def test_it_finds_people_seated_twice_unknown_absent_or_unseated_and_broken_pins():
    roster = Roster(
        (Group("G1", "Fabrication"), Group(2)),
        (
            Participant("a", "élu"),
            Participant("b", "élu"),
            Participant("c", "élu", present=False),
            Participant("d", "élu"),
        ),
        (Pin("a", 2),),
    )
    members = {"G1": ["a", "c", "zz"], 2: ["a", "b"], "G9": []}
    found = {b.code: b for b in rule_breaks(roster, members)}
    assert set(found) == {
        "unknown_group",
        "unknown_participant",
        "seated_twice",
        "absent_seated",
        "unseated",
    }
    assert str(found["unknown_group"].message) == "Le groupe « G9 » n'existe pas dans cette jam."
    assert str(found["seated_twice"].message) == (
        "« a » est dans plusieurs groupes (« Fabrication », « 2 ») : un seul est permis."
    )
    assert found["unseated"].participants == ("d",)
    assert found["absent_seated"].participants == ("c",)
    members = {"G1": ["a"], 2: ["b", "d"]}
    (pin,) = rule_breaks(roster, members)
    assert (pin.code, str(pin.message)) == (
        "pin_broken",
        "« a » est épinglé au groupe « 2 » mais n'y est pas placé.",
    )


def test_check_split_counts_colleague_pairs_and_preference_points():
    roster = Roster(
        (Group("G1"), Group("G2")),
        (
            Participant("a", "élu", "Mairie", ("G1", "G2")),
            Participant("b", "élu", " mairie ", ("G2",)),
            Participant("c", "citoyen", "Mairie", ("G1",)),
            Participant("d", "citoyen", "  ", ("G1",)),
            Participant("e", "citoyen", "", ("G1",)),
        ),
    )
    check = check_split(roster, {"G1": ["a", "b", "c"], "G2": ["d", "e"]})
    assert (check.same_organisation_pairs, check.preference_points) == (3, 3 + 0 + 3)
    # Sizes 3 and 2 and citoyens 1 and 2 are fine; the 2 élus should be one in each group.
    assert [(b.code, b.groups) for b in check.breaks] == [
        ("kind_quota", ("G1",)),
        ("kind_quota", ("G2",)),
    ]
