"""The territory as the rules and maths see it: communes as weighted points."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CommunePoint:
    """A commune actuelle (never an arrondissement), with its population and a point."""

    insee: str
    name: str
    departement: str
    region: str
    population: int
    lat: float
    lon: float


def departement_of_insee(insee: str) -> str:
    """The département code of a commune's INSEE code (97x overseas, 2A/2B for Corsica)."""
    code = insee.strip().upper()
    return code[:3] if code.startswith("97") or code.startswith("98") else code[:2]
