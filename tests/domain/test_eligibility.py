"""Every rule of the 2013 call at its boundaries, and properties of the budget arithmetic."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.apply import eligibility
from pollen.domain.apply.budget import (
    Budget,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
    figures,
)
from pollen.domain.apply.calls import parse_call

ROOT = Path(__file__).resolve().parents[2]
CALL = parse_call((ROOT / "calls" / "fablabs-2013.toml").read_text(encoding="utf-8"))
PARIS = ZoneInfo("Europe/Paris")
ON_TIME = dt.datetime(2013, 9, 1, 12, 0, tzinfo=PARIS)
D = Decimal


def budget(
    subsidy: str,
    expenses: str = "300000.00",
    cofunding: str | None = None,
    category: str = "equipment",
) -> Budget:
    total, asked = D(expenses), D(subsidy)
    rest = D(cofunding) if cofunding is not None else total - asked
    resources = [
        ResourceLine("Subvention", ResourceKind.REQUESTED_SUBSIDY, ResourceStatus.REQUESTED, asked)
    ]
    if rest:
        resources.append(ResourceLine("Région", ResourceKind.PUBLIC, ResourceStatus.ACQUIRED, rest))
    return Budget((ExpenseLine("Machines", category, total),), tuple(resources))


def facts(b: Budget, **overrides) -> eligibility.ApplicationFacts:
    values = {
        "budget": b,
        "carrier_is_fablab": True,
        "siret": "73282932000074",
        "commune_insee": "35238",
        "commune_known": True,
        "commune_region": "53",
        "documents": frozenset(d.id for d in CALL.documents),
        "moment": ON_TIME,
        "submitted": True,
    }
    values.update(overrides)
    return eligibility.ApplicationFacts(**values)


def verdict(result: eligibility.EligibilityResult, rule: str) -> eligibility.Verdict:
    return next(v for v in result.verdicts if v.rule == rule)


def test_it_accepts_a_complete_application_on_every_rule():
    result = eligibility.check(CALL, facts(budget("150000.00")))
    assert result.eligible, result.failed
    assert [v.rule for v in result.verdicts] == [
        "subsidy_min",
        "subsidy_max",
        "subsidy_share",
        "budget_balanced",
        "cofunding_present",
        "carrier_fablab",
        "has_investment",
        "siret_valid",
        "commune_known",
        "documents_complete",
        "deadline",
    ]


@pytest.mark.parametrize(
    ("subsidy", "passed"), [("49999.99", False), ("50000.00", True), ("50000.01", True)]
)
def test_it_holds_the_subsidy_floor_to_the_cent(subsidy, passed):
    assert verdict(eligibility.check(CALL, facts(budget(subsidy))), "subsidy_min").passed is passed


@pytest.mark.parametrize(
    ("subsidy", "passed"), [("199999.99", True), ("200000.00", True), ("200000.01", False)]
)
def test_it_holds_the_subsidy_ceiling_to_the_cent(subsidy, passed):
    assert verdict(eligibility.check(CALL, facts(budget(subsidy))), "subsidy_max").passed is passed


def test_it_names_the_figures_when_the_ceiling_is_exceeded():
    result = eligibility.check(CALL, facts(budget("230000.00", expenses="400000.00")))
    assert verdict(result, "subsidy_max").message == (
        "La subvention demandée (230 000,00 €) dépasse le plafond de 200 000,00 € fixé par l'appel."
    )


@pytest.mark.parametrize(
    ("subsidy", "expenses", "passed"),
    [
        ("70000.00", "100000.00", True),  # exactly 70 %
        ("70000.01", "100000.00", False),  # a cent above 70 %
        ("69999.99", "100000.00", True),
        ("140000.00", "200000.00", True),
        ("70000.00", "99999.99", False),  # the total a cent short makes 70,0000007 %
        ("69999.99", "99999.99", True),  # 69 999,99 <= 69 999,993
    ],
)
def test_it_computes_the_seventy_percent_share_exactly(subsidy, expenses, passed):
    result = eligibility.check(CALL, facts(budget(subsidy, expenses)))
    assert verdict(result, "subsidy_share").passed is passed


def test_it_tells_the_largest_subsidy_that_would_fit_the_share():
    result = eligibility.check(CALL, facts(budget("80000.00", "100000.00")))
    assert "elle ne peut dépasser 70 000,00 €" in verdict(result, "subsidy_share").message


@pytest.mark.parametrize(
    ("cofunding", "passed"), [("150000.00", True), ("149999.99", False), ("150000.01", False)]
)
def test_it_requires_the_budget_balanced_to_the_cent(cofunding, passed):
    result = eligibility.check(CALL, facts(budget("150000.00", "300000.00", cofunding)))
    assert verdict(result, "budget_balanced").passed is passed


def test_it_requires_at_least_one_cofunder():
    only_subsidy = Budget(
        (ExpenseLine("Machines", "equipment", D("100000.00")),),
        (
            ResourceLine(
                "Subvention",
                ResourceKind.REQUESTED_SUBSIDY,
                ResourceStatus.REQUESTED,
                D("100000.00"),
            ),
        ),
    )
    assert (
        verdict(eligibility.check(CALL, facts(only_subsidy)), "cofunding_present").passed is False
    )


def test_it_requires_an_investment_line():
    result = eligibility.check(CALL, facts(budget("150000.00", category="staff")))
    assert verdict(result, "has_investment").passed is False
    assert verdict(
        eligibility.check(CALL, facts(budget("150000.00", category="works"))), "has_investment"
    ).passed


def test_it_requires_the_carrier_to_be_a_fablab():
    result = eligibility.check(CALL, facts(budget("150000.00"), carrier_is_fablab=False))
    assert verdict(result, "carrier_fablab").passed is False


@pytest.mark.parametrize(
    ("siret", "passed"),
    [("73282932000074", True), ("73282932000075", False), ("7328293200007", False), ("", False)],
)
def test_it_checks_the_siret_key(siret, passed):
    assert (
        verdict(
            eligibility.check(CALL, facts(budget("150000.00"), siret=siret)), "siret_valid"
        ).passed
        is passed
    )


def test_it_refuses_an_unknown_commune():
    result = eligibility.check(
        CALL, facts(budget("150000.00"), commune_insee="99999", commune_known=False)
    )
    assert "99999" in verdict(result, "commune_known").message
    assert not verdict(result, "commune_known").passed


def test_it_lists_the_missing_documents_by_name():
    result = eligibility.check(
        CALL, facts(budget("150000.00"), documents=frozenset({"statuts", "rib"}))
    )
    message = verdict(result, "documents_complete").message
    assert not verdict(result, "documents_complete").passed
    assert (
        "Budget détaillé du projet" in message
        and "Lettres d'engagement des cofinanceurs" in message
    )


CLOSES = dt.datetime(2013, 9, 13, 23, 59, 59, 999999, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("moment", "passed"),
    [
        (CLOSES - dt.timedelta(microseconds=1), True),
        (CLOSES, True),
        (CLOSES + dt.timedelta(microseconds=1), False),
        (dt.datetime(2013, 9, 13, 23, 59, 59, tzinfo=PARIS), True),
        (dt.datetime(2013, 9, 14, 0, 0, 0, tzinfo=PARIS), False),
        (
            dt.datetime(2013, 9, 13, 21, 59, 59, 999999, tzinfo=dt.UTC),
            True,
        ),  # the same closing moment in UTC
        (dt.datetime(2013, 9, 13, 22, 0, 0, tzinfo=dt.UTC), False),
    ],
)
def test_it_closes_at_the_end_of_13_september_paris_time(moment, passed):
    assert (
        verdict(
            eligibility.check(CALL, facts(budget("150000.00"), moment=moment)), "deadline"
        ).passed
        is passed
    )


def test_it_explains_a_late_submission_in_paris_time():
    late = dt.datetime(2013, 9, 13, 22, 0, 0, tzinfo=dt.UTC)
    message = verdict(
        eligibility.check(CALL, facts(budget("150000.00"), moment=late)), "deadline"
    ).message
    assert "14/09/2013 à 00:00:00" in message and "13/09/2013 à 23:59:59" in message


cents = st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c) / 100)


@given(st.lists(cents, min_size=1, max_size=12), st.lists(cents, min_size=0, max_size=6), cents)
def test_budget_totals_are_exact_sums_at_the_cent(expense_amounts, cofunding_amounts, subsidy):
    b = Budget(
        tuple(
            ExpenseLine(f"e{i}", "equipment" if i % 2 else "staff", a)
            for i, a in enumerate(expense_amounts)
        ),
        (
            ResourceLine("s", ResourceKind.REQUESTED_SUBSIDY, ResourceStatus.REQUESTED, subsidy),
            *(
                ResourceLine(f"c{i}", ResourceKind.PRIVATE, ResourceStatus.ACQUIRED, a)
                for i, a in enumerate(cofunding_amounts)
            ),
        ),
    )
    f = figures(b, CALL.investment_categories)
    assert f.total_expenses == sum(expense_amounts, Decimal(0))
    assert f.total_resources == subsidy + sum(cofunding_amounts, Decimal(0))
    assert f.balance == f.total_resources - f.total_expenses
    assert f.investment == sum((a for i, a in enumerate(expense_amounts) if i % 2), Decimal(0))
    assert f.total_expenses.as_tuple().exponent >= -2


@given(st.integers(min_value=1, max_value=10**9), st.integers(min_value=0, max_value=10**9))
def test_share_rule_agrees_with_integer_cent_arithmetic(total_cents, subsidy_cents):
    b = budget(str(Decimal(subsidy_cents) / 100), str(Decimal(total_cents) / 100))
    passed = verdict(eligibility.check(CALL, facts(b)), "subsidy_share").passed
    assert passed is (subsidy_cents * 100 <= total_cents * 70)


@given(st.integers(min_value=0, max_value=10**8))
def test_floor_and_ceiling_agree_with_cents(subsidy_cents):
    result = eligibility.check(
        CALL, facts(budget(str(Decimal(subsidy_cents) / 100), "1000000000.00"))
    )
    assert verdict(result, "subsidy_min").passed is (subsidy_cents >= 5_000_000)
    assert verdict(result, "subsidy_max").passed is (subsidy_cents <= 20_000_000)
