"""Euros read from what people type: exact, bounded, and refused in French rather than crashing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.apply.money import (
    MAX_EUR,
    AmountError,
    format_eur,
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
        ("100.000", "Le montant 100.000 a plus de deux décimales : indiquez-le au centime."),
        ("12,345", "Le montant 12,345 a plus de deux décimales : indiquez-le au centime."),
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
