"""A project's structured budget: expense and resource lines, and the figures the rules use."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from enum import StrEnum

from pollen.domain.apply.money import CENT, ZERO


class ResourceKind(StrEnum):
    REQUESTED_SUBSIDY = "requested_subsidy"
    PUBLIC = "public"
    PRIVATE = "private"
    OWN = "own"


class ResourceStatus(StrEnum):
    ACQUIRED = "acquired"
    REQUESTED = "requested"


@dataclass(frozen=True, slots=True)
class ExpenseLine:
    label: str
    category: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ResourceLine:
    label: str
    kind: ResourceKind
    status: ResourceStatus
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Budget:
    expenses: tuple[ExpenseLine, ...] = ()
    resources: tuple[ResourceLine, ...] = ()


@dataclass(frozen=True, slots=True)
class BudgetFigures:
    """Totals computed once per check; every rule reads from here."""

    total_expenses: Decimal
    total_resources: Decimal
    subsidy: Decimal
    cofunding: Decimal
    cofunding_acquired: Decimal
    cofunding_lines: int
    investment: Decimal
    investment_lines: int

    @property
    def balance(self) -> Decimal:
        """Resources minus expenses: zero when the budget is balanced."""
        return self.total_resources - self.total_expenses

    @property
    def subsidy_share(self) -> Decimal | None:
        """Exact share of the expenses that the subsidy covers (None without expenses)."""
        if self.total_expenses <= 0:
            return None
        return self.subsidy / self.total_expenses

    @property
    def investment_share(self) -> Decimal | None:
        if self.total_expenses <= 0:
            return None
        return self.investment / self.total_expenses


def figures(budget: Budget, investment_categories: frozenset[str]) -> BudgetFigures:
    total_expenses = investment = ZERO
    investment_lines = 0
    for line in budget.expenses:
        total_expenses += line.amount
        if line.category in investment_categories:
            investment += line.amount
            investment_lines += 1
    subsidy = cofunding = acquired = ZERO
    cofunding_lines = 0
    for res in budget.resources:
        if res.kind == ResourceKind.REQUESTED_SUBSIDY:
            subsidy += res.amount
        else:
            cofunding += res.amount
            cofunding_lines += 1 if res.amount > 0 else 0
            if res.status == ResourceStatus.ACQUIRED:
                acquired += res.amount
    return BudgetFigures(
        total_expenses=total_expenses,
        total_resources=subsidy + cofunding,
        subsidy=subsidy,
        cofunding=cofunding,
        cofunding_acquired=acquired,
        cofunding_lines=cofunding_lines,
        investment=investment,
        investment_lines=investment_lines,
    )


def max_amount_for_share(total: Decimal, share: Decimal) -> Decimal:
    """The largest amount, to the cent, that stays within `share` of `total`."""
    return (total * share).quantize(CENT, rounding=ROUND_DOWN)
