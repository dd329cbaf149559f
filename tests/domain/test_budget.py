"""The budget figures every rule reads: totals, the subsidy, cofunding, investment and shares."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.apply.budget import (
    Budget,
    BudgetFigures,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
    figures,
    max_amount_for_share,
)

D = Decimal
INVESTMENT = frozenset({"equipment", "works"})
SUBSIDY, PUBLIC, PRIVATE, OWN = (
    ResourceKind.REQUESTED_SUBSIDY,
    ResourceKind.PUBLIC,
    ResourceKind.PRIVATE,
    ResourceKind.OWN,
)
ACQUIRED, REQUESTED = ResourceStatus.ACQUIRED, ResourceStatus.REQUESTED


def expense(category: str, amount: str) -> ExpenseLine:
    return ExpenseLine(category, category, D(amount))


def resource(kind: ResourceKind, status: ResourceStatus, amount: str) -> ResourceLine:
    return ResourceLine(str(kind), kind, status, D(amount))


def test_the_kinds_and_statuses_keep_their_exchange_codes() -> None:
    assert [str(k) for k in ResourceKind] == ["requested_subsidy", "public", "private", "own"]
    assert [str(s) for s in ResourceStatus] == ["acquired", "requested"]


def test_an_empty_budget_has_zero_everywhere_and_no_share() -> None:
    f = figures(Budget(), INVESTMENT)
    assert f == BudgetFigures(D(0), D(0), D(0), D(0), D(0), 0, D(0), 0)
    assert str(f.total_expenses) == "0.00" and str(f.total_resources) == "0.00"
    assert str(f.investment) == "0.00" and str(f.cofunding_acquired) == "0.00"
    assert f.balance == 0 and f.subsidy_share is None and f.investment_share is None


def test_it_sums_each_figure_from_its_own_lines() -> None:
    budget = Budget(
        (
            expense("equipment", "60000.00"),
            expense("works", "10000.50"),
            expense("staff", "29999.50"),
        ),
        (
            resource(SUBSIDY, REQUESTED, "40000.00"),
            resource(SUBSIDY, ACQUIRED, "1000.00"),
            resource(PUBLIC, ACQUIRED, "30000.00"),
            resource(PRIVATE, REQUESTED, "20000.00"),
            resource(OWN, ACQUIRED, "9000.00"),
            resource(PRIVATE, ACQUIRED, "0.00"),
        ),
    )
    f = figures(budget, INVESTMENT)
    assert f == BudgetFigures(
        total_expenses=D("100000.00"),
        total_resources=D("100000.00"),
        subsidy=D("41000.00"),
        cofunding=D("59000.00"),
        cofunding_acquired=D("39000.00"),
        cofunding_lines=3,  # a line of 0,00 € is no cofunder
        investment=D("70000.50"),
        investment_lines=2,
    )
    assert f.balance == 0
    assert f.subsidy_share == D("0.41")
    assert f.investment_share == D("0.700005")


def test_a_cent_of_cofunding_is_a_cofunder() -> None:
    f = figures(Budget((), (resource(PRIVATE, REQUESTED, "0.01"),)), INVESTMENT)
    assert f.cofunding_lines == 1 and f.cofunding_acquired == 0


def test_an_investment_line_of_zero_still_counts_as_a_line() -> None:
    f = figures(Budget((expense("works", "0.00"), expense("staff", "5.00")), ()), INVESTMENT)
    assert (f.investment_lines, f.investment) == (1, D(0))
    assert f.investment_share == 0


@pytest.mark.parametrize(
    ("resources", "expenses", "balance"),
    [("100.01", "100.00", "0.01"), ("100.00", "100.00", "0"), ("99.99", "100.00", "-0.01")],
)
def test_the_balance_is_resources_minus_expenses(resources, expenses, balance) -> None:
    f = figures(
        Budget((expense("staff", expenses),), (resource(OWN, ACQUIRED, resources),)), INVESTMENT
    )
    assert f.balance == D(balance)


@pytest.mark.parametrize("total", ["0.00", "-10.00"])
def test_no_share_without_positive_expenses(total: str) -> None:
    f = figures(
        Budget((expense("works", total),), (resource(SUBSIDY, REQUESTED, "5"),)), INVESTMENT
    )
    assert f.subsidy_share is None and f.investment_share is None


def test_a_cent_of_expenses_is_enough_for_a_share() -> None:
    f = figures(
        Budget((expense("works", "0.01"),), (resource(SUBSIDY, REQUESTED, "0.01"),)), INVESTMENT
    )
    assert f.subsidy_share == 1 and f.investment_share == 1


@pytest.mark.parametrize(
    ("total", "share", "amount"),
    [
        ("100000.00", "0.70", "70000.00"),
        ("99999.99", "0.70", "69999.99"),  # 69 999,993 rounded down, never up
        ("0.01", "0.50", "0.00"),
        ("0.03", "0.50", "0.01"),
        ("33.33", "1", "33.33"),
    ],
)
def test_the_largest_amount_within_a_share_is_rounded_down_to_the_cent(total, share, amount):
    allowed = max_amount_for_share(D(total), D(share))
    assert allowed == D(amount) and allowed.as_tuple().exponent == -2


@given(st.integers(0, 10**14), st.integers(0, 100))
def test_the_largest_amount_fits_and_a_cent_more_does_not(total_cents: int, percent: int) -> None:
    total, share = D(total_cents) / 100, D(percent) / 100
    allowed = max_amount_for_share(total, share)
    assert allowed <= total * share < allowed + D("0.01")
