"""Turns the call file's scoring grid and stored reviews into the scoring domain's inputs."""

from decimal import Decimal, InvalidOperation
from typing import Any

from pollen.domain.apply.calls import CallSpec
from pollen.domain.review import scoring
from pollen.expertise.models import Review


def grid_of(spec: CallSpec) -> scoring.ScoringGrid:
    """The call's grid (pollen.domain.apply.calls) as the scoring module's grid."""
    grid = spec.scoring
    return scoring.ScoringGrid(
        criteria=tuple(
            scoring.Criterion(id=c.id, label=c.label, weight=c.weight) for c in grid.criteria
        ),
        scale_min=Decimal(grid.scale_min),
        scale_max=Decimal(grid.scale_max),
        disagreement_threshold=grid.disagreement_threshold,
    )


def marks_of(raw: dict[str, Any]) -> dict[str, Decimal]:
    """Stored marks (text) as Decimals; a mark that is not a number is left out, not guessed."""
    marks = {}
    for criterion_id, value in raw.items():
        if value in (None, ""):
            continue
        try:
            marks[criterion_id] = Decimal(str(value))
        except InvalidOperation:
            continue
    return marks


def domain_review(review: Review) -> scoring.Review:
    """Needs review.assignment loaded; ids are the stored primary keys as text."""
    assignment = review.assignment
    return scoring.Review(
        expert_id=str(assignment.expert_id),
        application_id=str(assignment.application_id),
        scores=marks_of(review.scores),
        recommendation=review.recommendation,
    )
