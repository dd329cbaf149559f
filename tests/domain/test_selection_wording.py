"""The committee reads thresholds on the reviewers' scale, and names, never ids."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from pollen.domain.selection.explain import explain_selection
from pollen.domain.selection.portfolio import solve
from pollen.domain.selection.problem import (
    Candidate,
    SelectionInputError,
    SelectionProblem,
    parse_selection_input,
)
from tests.domain.test_selection import BY_INSEE, COMMUNES, OVERLAP_CASE, VALID, selected_with


def explained(problem: SelectionProblem) -> dict[str, object]:
    return {e.id: e for e in explain_selection(problem, solve(problem)).candidates}


# A central fablab with a wide reach against a corner one on a 0-5 scale: the coverage weight
# is such that no score on the scale lets the corner one in, nor takes the central one out.
REACH_CASE = SelectionProblem(
    candidates=(
        Candidate("A", 1.0, Decimal("100000"), COMMUNES[7], "Fablab d'Aubin"),
        Candidate("B", 4.5, Decimal("100000"), COMMUNES[0], "Fablab du Cendre"),
    ),
    envelope=Decimal("100000"),
    communes=COMMUNES,
    radius_km=15.0,
    coverage_weight=5.0,
    scale_min=0.0,
    scale_max=5.0,
)


def test_a_threshold_outside_the_scale_is_said_in_words() -> None:
    a, b = explained(REACH_CASE)["A"], explained(REACH_CASE)["B"]
    assert a.selected and not b.selected  # type: ignore[attr-defined]
    assert (
        a.flip_message
        == "Aucune note ne la ferait sortir : même notée 0,00, elle resterait retenue."
    )  # type: ignore[attr-defined]
    assert a.score_to_leave is None  # type: ignore[attr-defined]
    assert b.flip_message.startswith(
        "Aucune note ne la ferait entrer : même la note maximale (5,00)"
    )  # type: ignore[attr-defined]
    assert b.score_to_enter is None  # type: ignore[attr-defined]
    # What the sentences claim: the scale's ends do not flip them.
    assert selected_with(REACH_CASE, "A", score=0.0)
    assert not selected_with(REACH_CASE, "B", score=5.0)


def test_without_a_scale_no_negative_threshold_is_named() -> None:
    problem = replace(REACH_CASE, scale_min=None, scale_max=None)
    a = explained(problem)["A"]
    assert "-0," not in a.flip_message  # type: ignore[attr-defined]
    assert a.flip_message.startswith("Aucune note ne la ferait sortir")  # type: ignore[attr-defined]


def test_a_threshold_inside_the_scale_is_still_named() -> None:
    problem = replace(REACH_CASE, coverage_weight=0.0)
    a = explained(problem)["A"]
    assert not a.selected  # type: ignore[attr-defined]
    assert a.flip_message == "Elle entrerait avec une note d'au moins 4,51."  # type: ignore[attr-defined]


def test_a_neighbour_is_named_by_its_label_and_the_overlap_says_why() -> None:
    labelled = replace(
        OVERLAP_CASE,
        candidates=tuple(replace(c, label=f"Fablab {c.id}") for c in OVERLAP_CASE.candidates),
    )
    a = explained(labelled)["A"]
    assert a.code == "coverage_overlap"  # type: ignore[attr-defined]
    assert "déjà couverte par « Fablab B » (Commune 1-1), retenue à 11,1 km" in a.message  # type: ignore[attr-defined]
    assert "habitants à moins de 15 km d'elle sont déjà à moins de 15 km" in a.message  # type: ignore[attr-defined]


def test_the_scale_and_labels_are_read_from_the_json() -> None:
    data = {**json.loads(VALID), "scale": {"min": 0, "max": 5}}
    data["candidates"] = [{**c, "label": "Fablab de Lyon"} for c in data["candidates"]]
    problem = parse_selection_input(data, BY_INSEE)
    assert (problem.scale_min, problem.scale_max) == (0.0, 5.0)
    assert {c.label for c in problem.candidates} == {"Fablab de Lyon"}
    assert parse_selection_input(VALID, BY_INSEE).scale_max is None


@pytest.mark.parametrize("scale", [{"min": 5, "max": 0}, {"min": 0}, [0, 5]])
def test_a_wrong_scale_is_refused_with_its_field(scale: object) -> None:
    with pytest.raises(SelectionInputError) as error:
        parse_selection_input({**json.loads(VALID), "scale": scale}, BY_INSEE)
    assert error.value.field == "scale"


def test_zero_has_its_own_sentence_so_that_english_says_it_in_the_plural():
    from django.utils import translation

    from pollen.domain.selection.explain import _laureates, _people

    assert [str(_people(n)) for n in (0, 1, 2)] == ["0 habitant", "1 habitant", "2 habitants"]
    assert [str(_laureates(n)) for n in (0, 1, 2)] == ["0 lauréat", "1 lauréat", "2 lauréats"]
    with translation.override("en"):
        english = [_people(n).translated(translation.gettext) for n in (0, 1, 2)]
        winners = [_laureates(n).translated(translation.gettext) for n in (0, 1, 2)]
    assert english == ["0 inhabitants", "1 inhabitant", "2 inhabitants"]
    assert winners[0] == "0 winners" and winners[1] != winners[0]
