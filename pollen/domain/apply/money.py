"""Euros as exact Decimals: parsing what people and files give, formatting the French way."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Up to 999 999 999 999,99 €: far above any grant, far below what breaks Decimal or the database.
MAX_DIGITS = 12
MAX_EUR = Decimal(10) ** MAX_DIGITS
_AMOUNT_TEXT = re.compile(r"[+-]?(?=\.?[0-9])[0-9]*(?:\.(?P<cents>[0-9]*))?")
# One point or comma before exactly three digits: thousands to some readers, decimals to others.
_AMBIGUOUS = re.compile(r"[+-]?(?P<units>[1-9][0-9]{0,2})(?P<sep>[.,])(?P<rest>[0-9]{3})")
# Thousands grouped by points or commas ("1.234.567,89", "1,000.50"): spaces are the only grouping.
_GROUPED = re.compile(r"[+-]?[1-9][0-9]{0,2}(?:[.,][0-9]{3})+(?:[.,][0-9]{0,2})?")


class AmountError(ValueError):
    """An amount that is not a usable number of euros; the message is French."""


def parse_eur(value: object, *, allow_negative: bool = False) -> Decimal:
    """Read euros from a Decimal, an int or a string ("45000.00", "45 000,50"), never a float."""
    if isinstance(value, (bool, float)):
        # Floats cannot hold cents exactly; callers parse JSON with parse_float=Decimal.
        raise AmountError("Le montant doit être un nombre décimal exact, pas un flottant.")
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        amount = _parse_text(value)
    else:
        raise AmountError("Le montant doit être un nombre.")
    if not amount.is_finite():
        raise AmountError("Le montant doit être un nombre fini.")
    # Checked before any rounding: quantizing 1e26 to the cent already overflows Decimal's context.
    if abs(amount) >= MAX_EUR:
        raise AmountError(
            f"Le montant est trop grand : au plus {MAX_DIGITS} chiffres avant la virgule."
        )
    if amount % CENT:
        raise AmountError(f"Le montant {value} a plus de deux décimales : indiquez-le au centime.")
    if amount < 0 and not allow_negative:
        raise AmountError(f"Le montant ne peut pas être négatif (reçu : {format_eur(amount)}).")
    return amount.quantize(CENT)


def _parse_text(value: str) -> Decimal:
    """Digits, a sign, one decimal separator: Decimal alone would also take "1e309" or "NaN"."""
    text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    text = text.removesuffix("€").removesuffix("EUR")
    ambiguous = _AMBIGUOUS.fullmatch(text)
    if ambiguous:
        units, sep, rest = ambiguous["units"], ambiguous["sep"], ambiguous["rest"]
        raise AmountError(
            f"Le montant {value} est ambigu : « {sep} » peut y séparer les milliers "
            f"({units} {rest} €) ou les décimales ({units},{rest} €). Séparez les milliers par "
            "une espace et indiquez au plus deux décimales."
        )
    if _GROUPED.fullmatch(text):
        raise AmountError(
            f"Le montant {value} sépare les milliers par un point ou une virgule, qui peuvent "
            "aussi marquer les décimales : séparez les milliers par une espace (1 234 567,89)."
        )
    if "." not in text:
        text = text.replace(",", ".")  # two commas then make two points, refused below
    match = _AMOUNT_TEXT.fullmatch(text)
    if match is None:
        raise AmountError(f"« {value} » n'est pas un montant en euros.")
    if len(match["cents"] or "") > 2:
        raise AmountError(f"Le montant {value} a plus de deux décimales : indiquez-le au centime.")
    return Decimal(text)


@lru_cache(maxsize=4096)
def format_eur(amount: Decimal) -> str:
    """French display of euros: 230000 -> '230 000,00 €'."""
    quantized = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    sign = "-" if quantized < 0 else ""
    units, cents = f"{abs(quantized):.2f}".split(".")
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{' '.join(groups)},{cents} €"


def format_percent(share: Decimal, places: int = 2) -> str:
    """French display of a share: Decimal('0.7') -> '70 %', Decimal('0.70125') -> '70,13 %'."""
    value = (share * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"
    return f"{text.replace('.', ',')} %"


def to_cents(amount: Decimal) -> int:
    """Integer cents of an amount already at cent precision."""
    return int((amount * 100).to_integral_exact())


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)
