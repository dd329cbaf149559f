"""Euros read from what people type: exact, bounded, and refused in French rather than crashing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.apply.money import (
    CENT,
    MAX_EUR,
    ZERO,
    AmountError,
    format_eur,
    format_percent,
    from_cents,
    parse_eur,
    to_cents,
)

MAX_CENTS = to_cents(MAX_EUR) - 1
# Mostly the characters of numbers, so that near-amounts are drawn as often as junk.
NUMBERISH = st.text(alphabet="0123456789.,eE+- \u202f€nNaAiIfFtTyYsS", max_size=40)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("45000.00", "45000.00"),
        ("45 000,50", "45000.50"),
        ("45\u202f000,50 €", "45000.50"),
        ("999 999 999 999,99", "999999999999.99"),
        ("7", "7.00"),
        ("0,5", "0.50"),
    ],
)
def test_it_reads_euros_written_the_french_or_the_plain_way(text: str, amount: str) -> None:
    assert parse_eur(text) == Decimal(amount)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1e309", "« 1e309 » n'est pas un montant en euros."),
        ("1e26", "« 1e26 » n'est pas un montant en euros."),
        ("1E3", "« 1E3 » n'est pas un montant en euros."),
        ("NaN", "« NaN » n'est pas un montant en euros."),
        ("Infinity", "« Infinity » n'est pas un montant en euros."),
        ("-inf", "« -inf » n'est pas un montant en euros."),
        ("100.0001", "Le montant 100.0001 a plus de deux décimales : indiquez-le au centime."),
        ("12,3456", "Le montant 12,3456 a plus de deux décimales : indiquez-le au centime."),
        ("0,125", "Le montant 0,125 a plus de deux décimales : indiquez-le au centime."),
        ("1234.567", "Le montant 1234.567 a plus de deux décimales : indiquez-le au centime."),
        # the third decimal is told before the size, which would be refused too
        (
            "10000000000000.123",
            "Le montant 10000000000000.123 a plus de deux décimales : indiquez-le au centime.",
        ),
        (Decimal("0.001"), "Le montant 0.001 a plus de deux décimales : indiquez-le au centime."),
        ("1000000000000", "Le montant est trop grand : au plus 12 chiffres avant la virgule."),
        (Decimal("1e309"), "Le montant est trop grand : au plus 12 chiffres avant la virgule."),
        (10**400, "Le montant est trop grand : au plus 12 chiffres avant la virgule."),
        (Decimal("NaN"), "Le montant doit être un nombre fini."),
        (Decimal("-Infinity"), "Le montant doit être un nombre fini."),
        (1.5, "Le montant doit être un nombre décimal exact, pas un flottant."),
        ("-5", "Le montant ne peut pas être négatif (reçu : -5,00 €)."),
    ],
)
def test_it_refuses_what_is_not_a_sensible_amount_with_a_french_reason(
    value: object, message: str
) -> None:
    with pytest.raises(AmountError) as refused:
        parse_eur(value)
    assert str(refused.value) == message


@given(st.integers(-MAX_CENTS, MAX_CENTS))
def test_the_french_display_reads_back_to_the_same_cents(cents: int) -> None:
    amount = from_cents(cents)
    assert parse_eur(format_eur(amount), allow_negative=True) == amount
    assert parse_eur(f"{amount:.2f}", allow_negative=True) == amount


@given(st.one_of(NUMBERISH, st.text(max_size=40)))
def test_any_text_is_an_amount_or_an_amount_error(text: str) -> None:
    try:
        amount = parse_eur(text, allow_negative=True)
    except AmountError:
        return
    assert abs(amount) < MAX_EUR and amount == amount.quantize(Decimal("0.01"))


AMBIGUOUS = (
    "Le montant {text} est ambigu : « {sep} » peut y séparer les milliers ({units} {rest} €) "
    "ou les décimales ({units},{rest} €). Séparez les milliers par une espace et indiquez au plus "
    "deux décimales."
)
GROUPED = (
    "Le montant {text} sépare les milliers par un point ou une virgule, qui peuvent aussi marquer "
    "les décimales : séparez les milliers par une espace (1 234 567,89)."
)


@pytest.mark.parametrize(
    ("text", "sep", "units", "rest"),
    [
        ("100.000", ".", "100", "000"),
        ("100,000", ",", "100", "000"),
        ("12,345", ",", "12", "345"),
        ("1.500", ".", "1", "500"),
        ("-1.500", ".", "1", "500"),
        ("+999,999", ",", "999", "999"),
        ("100.000 €", ".", "100", "000"),
    ],
)
def test_it_refuses_a_grouping_that_reads_two_ways_and_says_both(
    text: str, sep: str, units: str, rest: str
) -> None:
    with pytest.raises(AmountError) as refused:
        parse_eur(text, allow_negative=True)
    assert str(refused.value) == AMBIGUOUS.format(text=text, sep=sep, units=units, rest=rest)


@pytest.mark.parametrize(
    "text", ["1,234,567", "1.234.567,89", "1,000.50", "1.000,5", "12.345.678", "-1.000,00"]
)
def test_it_refuses_thousands_grouped_by_points_or_commas(text: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_eur(text, allow_negative=True)
    assert str(refused.value) == GROUPED.format(text=text)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("100 000", "100000.00"),
        ("100 000,50", "100000.50"),
        ("100000.50", "100000.50"),
        ("1 234 567,89 €", "1234567.89"),
        ("1\u00a0234\u00a0567,89\u00a0€", "1234567.89"),
        ("100 000 EUR", "100000.00"),
        ("1.50", "1.50"),
        ("1,5", "1.50"),
        ("100.00", "100.00"),
        ("1000.00", "1000.00"),
        ("0100,00", "100.00"),
        (".5", "0.50"),
        ("5.", "5.00"),
        ("+12", "12.00"),
        ("  42  ", "42.00"),
        ("0", "0.00"),
    ],
)
def test_unambiguous_forms_keep_working(text: str, amount: str) -> None:
    parsed = parse_eur(text)
    assert parsed == Decimal(amount) and parsed.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("999999999999.99", "999999999999.99"),
        (999_999_999_999, "999999999999.00"),
        (Decimal("999999999999.99"), "999999999999.99"),
        (Decimal("5.0000"), "5.00"),
        (Decimal("5"), "5.00"),
        (0, "0.00"),
    ],
)
def test_twelve_digits_before_the_point_are_the_largest_amount(value: object, amount: str) -> None:
    parsed = parse_eur(value)
    assert parsed == Decimal(amount) and str(parsed) == amount


@pytest.mark.parametrize(
    "value",
    ["1000000000000", "1 000 000 000 000,00", "-1000000000000", 10**12, Decimal("1E+12"), 10**26],
)
def test_thirteen_digits_are_an_amount_error_never_a_crash(value: object) -> None:
    with pytest.raises(AmountError) as refused:
        parse_eur(value, allow_negative=True)
    assert str(refused.value) == (
        "Le montant est trop grand : au plus 12 chiffres avant la virgule."
    )


def test_the_largest_negative_amount_is_read_when_negatives_are_allowed() -> None:
    assert parse_eur("-999 999 999 999,99", allow_negative=True) == Decimal("-999999999999.99")
    assert parse_eur(-5, allow_negative=True) == Decimal("-5.00")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "Le montant doit être un nombre décimal exact, pas un flottant."),
        (None, "Le montant doit être un nombre."),
        (["5"], "Le montant doit être un nombre."),
        ("", "«  » n'est pas un montant en euros."),
        ("€", "« € » n'est pas un montant en euros."),
        ("5 €€", "« 5 €€ » n'est pas un montant en euros."),
        ("1,2,3", "« 1,2,3 » n'est pas un montant en euros."),
        ("1.2.3", "« 1.2.3 » n'est pas un montant en euros."),
        ("1,5.5", "« 1,5.5 » n'est pas un montant en euros."),
        ("--5", "« --5 » n'est pas un montant en euros."),
        (".", "« . » n'est pas un montant en euros."),
        ("-0.01", "Le montant ne peut pas être négatif (reçu : -0,01 €)."),
        (Decimal("-1234.5"), "Le montant ne peut pas être négatif (reçu : -1 234,50 €)."),
    ],
)
def test_other_refusals_name_their_reason(value: object, message: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_eur(value)
    assert str(refused.value) == message


def test_a_refusal_is_a_value_error_for_callers_that_catch_those() -> None:
    assert issubclass(AmountError, ValueError)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("0", "0,00 €"),
        ("7", "7,00 €"),
        ("999.5", "999,50 €"),
        ("1000", "1 000,00 €"),
        ("230000", "230 000,00 €"),
        ("1234567.891", "1 234 567,89 €"),
        ("0.005", "0,01 €"),  # half up, as people round
        ("0.0049", "0,00 €"),
        ("-1234.5", "-1 234,50 €"),
        ("-0.001", "0,00 €"),
        ("999999999999.99", "999 999 999 999,99 €"),
    ],
)
def test_it_displays_euros_the_french_way(amount: str, text: str) -> None:
    assert format_eur(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("share", "places", "text"),
    [
        ("0.7", 2, "70 %"),
        ("0.70125", 2, "70,13 %"),
        ("0.70124", 2, "70,12 %"),
        ("0.5", 2, "50 %"),
        ("1", 2, "100 %"),
        ("0", 2, "0 %"),
        ("0.1", 2, "10 %"),
        ("0.7000001", 5, "70,00001 %"),
        ("0.7000001", 4, "70 %"),
        ("0.123456", 0, "12 %"),
        ("0.7", 0, "70 %"),
        ("1", 0, "100 %"),
        ("0.125", 0, "13 %"),
        ("0.105", 2, "10,5 %"),
    ],
)
def test_it_displays_shares_as_french_percentages(share: str, places: int, text: str) -> None:
    assert format_percent(Decimal(share), places) == text


def test_a_share_is_shown_to_two_places_unless_told() -> None:
    assert format_percent(Decimal("0.123456")) == "12,35 %"


@pytest.mark.parametrize(
    ("amount", "cents"), [("0.00", 0), ("0.01", 1), ("45000.50", 4500050), ("-3.20", -320)]
)
def test_cents_and_euros_convert_both_ways(amount: str, cents: int) -> None:
    assert to_cents(Decimal(amount)) == cents
    assert from_cents(cents) == Decimal(amount)
    assert str(from_cents(cents)) == amount


def test_the_bounds_are_twelve_digits_and_a_cent() -> None:
    assert Decimal("1000000000000") == MAX_EUR
    assert Decimal("0.01") == CENT and Decimal("0.00") == ZERO and str(ZERO) == "0.00"


@given(st.integers(0, MAX_CENTS))
def test_the_plain_display_with_spaces_reads_back_too(cents: int) -> None:
    amount = from_cents(cents)
    assert parse_eur(format_eur(amount).replace(" ", "\u202f")) == amount
    assert to_cents(parse_eur(format_eur(amount))) == cents


@given(
    st.one_of(
        st.integers(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.floats(),
        st.booleans(),
        st.none(),
        st.binary(max_size=10),
    )
)
def test_any_value_is_an_amount_or_an_amount_error(value: object) -> None:
    try:
        amount = parse_eur(value, allow_negative=True)
    except AmountError:
        return
    assert abs(amount) < MAX_EUR and amount.as_tuple().exponent == -2
