"""Grant arithmetic without a database: tranches, settlement on actuals, envelope."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.apply.calls import PaymentStep
from pollen.domain.grants import finance

SCHEDULE_2013 = (
    PaymentStep("Avance", Decimal("0.30"), "signature"),
    PaymentStep("Solde", Decimal("0.70"), "final_report"),
)


def test_it_splits_thirty_seventy_to_the_cent():
    tranches = finance.split_schedule(7_000_000, SCHEDULE_2013)
    assert [t.amount_cents for t in tranches] == [2_100_000, 4_900_000]
    assert [t.on for t in tranches] == ["signature", "final_report"]


def test_it_gives_the_rounding_remainder_to_the_last_tranche():
    thirds = tuple(PaymentStep(f"T{i}", Decimal(1) / 3, "signature") for i in range(3))
    tranches = finance.split_schedule(100, thirds)
    assert [t.amount_cents for t in tranches] == [33, 33, 34]


@given(
    award=st.integers(min_value=0, max_value=10**12),
    shares=st.lists(st.integers(min_value=1, max_value=100), min_size=1, max_size=6),
)
def test_it_always_sums_exactly_to_the_award(award, shares):
    total = sum(shares)
    steps = tuple(
        PaymentStep(str(i), Decimal(s) / total, "signature") for i, s in enumerate(shares)
    )
    tranches = finance.split_schedule(award, steps)
    assert sum(t.amount_cents for t in tranches) == award
    assert all(t.amount_cents >= 0 for t in tranches)


def test_it_pays_a_single_tranche_when_the_call_has_no_schedule():
    (only,) = finance.split_schedule(123_45, ())
    assert only.amount_cents == 123_45 and only.on == "signature"


def test_it_reduces_the_balance_when_actual_expenses_fall_and_says_so_in_french():
    settlement = finance.settle(
        award_cents=7_000_000,
        paid_before_cents=2_100_000,
        actual_expenses_cents=8_000_000,
        cofunding_cents=2_400_000,
        max_share=Decimal("0.70"),
    )
    assert settlement.retained_cents == 5_600_000
    assert settlement.balance_cents == 3_500_000
    assert settlement.reduced
    assert "Dépenses réelles : 80 000,00 €" in settlement.explanation
    assert "70 % de ces dépenses : 56 000,00 €" in settlement.explanation
    assert "réduite de 14 000,00 €" in settlement.explanation
    assert "Solde à verser : 35 000,00 €" in settlement.explanation


def test_it_keeps_the_award_when_actuals_are_as_planned():
    settlement = finance.settle(
        award_cents=7_000_000,
        paid_before_cents=2_100_000,
        actual_expenses_cents=10_000_000,
        cofunding_cents=3_000_000,
        max_share=Decimal("0.70"),
    )
    assert settlement.retained_cents == 7_000_000 and not settlement.reduced
    assert settlement.balance_cents == 4_900_000


def test_it_never_lets_the_subsidy_make_a_profit():
    settlement = finance.settle(
        award_cents=7_000_000,
        paid_before_cents=2_100_000,
        actual_expenses_cents=10_000_000,
        cofunding_cents=5_000_000,
        max_share=Decimal("0.70"),
    )
    assert settlement.retained_cents == 5_000_000


def test_it_asks_for_a_refund_when_more_was_paid_than_retained():
    settlement = finance.settle(
        award_cents=7_000_000,
        paid_before_cents=2_100_000,
        actual_expenses_cents=2_000_000,
        cofunding_cents=0,
        max_share=Decimal("0.70"),
    )
    assert settlement.balance_cents == 1_400_000 - 2_100_000
    assert "Trop-perçu à reverser par le bénéficiaire : 7 000,00 €" in settlement.explanation


@given(
    award=st.integers(1, 10**9),
    actual=st.integers(0, 10**9),
    cofunding=st.integers(0, 10**9),
)
def test_the_retained_subsidy_stays_within_the_award_and_seventy_percent_of_actuals(
    award, actual, cofunding
):
    s = finance.settle(
        award_cents=award,
        paid_before_cents=0,
        actual_expenses_cents=actual,
        cofunding_cents=cofunding,
        max_share=Decimal("0.70"),
    )
    assert 0 <= s.retained_cents <= award
    assert s.retained_cents <= Decimal(actual) * Decimal("0.70")
    assert s.retained_cents + cofunding <= max(actual, cofunding)


def test_it_refuses_a_commitment_beyond_the_envelope_with_the_figures():
    figures = finance.EnvelopeFigures(20_000_000, 15_000_000, 0)
    assert finance.commitment_problem("programme", "Plan fablabs", figures, 5_000_000) is None
    problem = finance.commitment_problem("programme", "Plan fablabs", figures, 5_000_001)
    assert problem is not None
    sentence = str(problem)
    assert "du programme « Plan fablabs »" in sentence
    assert "il reste 50 000,00 €" in sentence and "200 000,00 €" in sentence


def test_the_remaining_envelope_is_never_negative():
    assert finance.EnvelopeFigures(100, 150, 0).remaining_cents == 0


def test_a_grant_started_on_29_february_ends_two_years_later_on_28_february():
    import datetime as dt

    assert finance.grant_end_date(dt.date(2024, 2, 29)) == dt.date(2026, 2, 28)
    assert finance.grant_end_date(dt.date(2013, 10, 15)) == dt.date(2015, 10, 15)
    assert finance.grant_end_date(dt.date(2026, 2, 28)) == dt.date(2028, 2, 28)


def test_the_award_page_on_29_february_proposes_an_end_date(client, call_2013, personas):
    import datetime as dt

    from pollen import clock
    from tests.grants.helpers import submitted_application

    application = submitted_application(call_2013, personas["applicant"])
    client.force_login(personas["manager"])
    with clock.override(dt.datetime(2024, 2, 29, 10, tzinfo=clock.PARIS)):
        page = client.get(f"/subventions/attribuer/{application.pk}/")
    assert page.status_code == 200 and "2026-02-28" in page.content.decode()
