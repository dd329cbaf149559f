"""The solver's outcome as stored JSON, and the decision plan a frozen run turns into."""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pollen.domain.selection.explain import SelectionExplanation
from pollen.domain.selection.portfolio import SelectionOutcome, SelectionResult

# The waiting list: the best-scored candidates left out, at most this many.
WAITLIST_SIZE = 5
PORTFOLIOS = ("optimum", "ranking", "score_per_euro")


def figures_of(outcome: SelectionOutcome) -> dict[str, dict[str, Any]]:
    """Per portfolio, what the committee compares (départements included, unlike the CLI)."""
    results = {
        "optimum": outcome.optimum,
        "ranking": outcome.ranking,
        "score_per_euro": outcome.score_per_euro,
    }
    return {key: _figures(result) for key, result in results.items()}


def _figures(result: SelectionResult) -> dict[str, Any]:
    portfolio = result.portfolio
    return {
        "status": result.status,
        "selected": list(portfolio.selected),
        "score_sum": round(portfolio.score_sum, 4),
        "objective": round(portfolio.objective, 6),
        "newly_covered_population": portfolio.newly_covered_population,
        "departements": list(portfolio.departements),
        "spent_eur": f"{portfolio.spent:.2f}",
        "gap": None if result.gap is None else round(result.gap, 9),
    }


def explanations_of(explanation: SelectionExplanation) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "selected": c.selected,
            "code": c.code,
            "message": c.message,
            "flip_message": c.flip_message,
            # The same sentences as template and figures, for pages in the reader's language.
            "text": c.text.to_json(),
            "flip_text": None if c.flip_text is None else c.flip_text.to_json(),
            "flip_computed": c.flip_computed,
            "score_to_enter": c.score_to_enter,
            "score_to_leave": c.score_to_leave,
            "amount_to_enter": None if c.amount_to_enter is None else f"{c.amount_to_enter:.2f}",
            "blocked_by": list(c.blocked_by),
        }
        for c in explanation.candidates
    ]


@dataclass(frozen=True)
class PlannedDecision:
    """What freezing a run decides for one candidate (outcome as in selection.Outcome)."""

    candidate_id: str
    outcome: str
    waitlist_rank: int | None
    code: str
    reason: str
    score: Decimal
    amount: Decimal


def decision_plan(problem_text: str, explanations: list[dict[str, Any]]) -> list[PlannedDecision]:
    """Selected = the portfolio; waiting list = the WAITLIST_SIZE best-scored candidates left
    out that the rules allow (not excluded, at least the minimum score, asking no more than the
    envelope), by score then id; rejected = the others. Each carries its explanation."""
    problem = json.loads(problem_text, parse_float=Decimal)
    by_id = {str(c["id"]): c for c in problem["candidates"]}
    envelope, min_score = Decimal(problem["envelope_eur"]), Decimal(str(problem["min_score"]))
    excluded = set(problem.get("must_exclude", []))
    explained = {e["id"]: e for e in explanations}

    def score(ident: str) -> Decimal:
        return Decimal(str(by_id[ident]["score"]))

    def amount(ident: str) -> Decimal:
        return Decimal(str(by_id[ident]["amount_eur"]))

    out = [i for i in by_id if not explained[i]["selected"]]
    callable_ = [
        i for i in out if i not in excluded and score(i) >= min_score and amount(i) <= envelope
    ]
    callable_.sort(key=lambda i: (-score(i), int(i) if i.isdigit() else 0, i))
    ranks = {ident: n for n, ident in enumerate(callable_[:WAITLIST_SIZE], start=1)}
    plan = []
    for ident in sorted(by_id, key=lambda i: (int(i) if i.isdigit() else 0, i)):
        entry = explained[ident]
        if entry["selected"]:
            outcome, rank = "selected", None
        elif ident in ranks:
            outcome, rank = "waitlisted", ranks[ident]
        else:
            outcome, rank = "rejected", None
        plan.append(
            PlannedDecision(
                ident, outcome, rank, entry["code"], entry["message"], score(ident), amount(ident)
            )
        )
    return plan
