"""SIRET numbers: 14 digits whose Luhn checksum holds (La Poste's establishments excepted)."""

from __future__ import annotations

from pollen.domain.text import Text, gettext_noop

LA_POSTE_SIREN = "356000000"


def normalise_siret(value: str) -> str:
    return "".join(value.split())


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


SIRET_VALID = Text(gettext_noop("Le numéro SIRET est valide."))


def siret_problem(value: str) -> Text | None:
    """None when the SIRET is valid, else a French sentence saying what is wrong."""
    siret = normalise_siret(value)
    if not siret:
        return Text(gettext_noop("Le numéro SIRET est manquant."))
    if len(siret) != 14 or not siret.isdigit():
        return Text(
            gettext_noop("Le numéro SIRET « %(value)s » doit comporter exactement 14 chiffres."),
            {"value": value},
        )
    # La Poste's establishments share one SIREN and use a digit-sum rule instead of Luhn.
    if siret.startswith(LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0:
        return None
    if not luhn_ok(siret):
        return Text(
            gettext_noop(
                "Le numéro SIRET %(siret)s est invalide : "
                "sa clé de contrôle (Luhn) ne correspond pas."
            ),
            {"siret": siret},
        )
    return None


def is_valid_siret(value: str) -> bool:
    return siret_problem(value) is None
