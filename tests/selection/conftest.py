"""A small committee world: four scored applications in Rennes, Brest, Quimper and Lyon."""

from decimal import Decimal

import pytest

from pollen import clock
from pollen.accounts.models import Role, User
from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.expertise.models import ScoreSummary
from tests.builders import organisation_for
from tests.instruction.conftest import submitted_application

# (persona or new e-mail, commune, organisation, score)
WORLD = [
    ("applicant", "35238", "Fablab de Rennes", "4.2"),
    ("applicant_b", "29019", "Fablab de Brest", "3.1"),
    ("quimper@test.example", "29232", "Fablab de Quimper", "3.8"),
    ("lyon@test.example", "69123", "Fablab de Lyon", "2.5"),
]
SIRETS = ("73282932000074", "44306184100047", "35600000000048", "73282932000074")


def score(application: Application, value: str, rank: int) -> None:
    ScoreSummary.objects.create(
        application=application,
        call=application.call,
        review_count=2,
        mean=Decimal(value),
        normalised=Decimal(value),
        spread=Decimal("0.5"),
        rank=rank,
        computed_at=clock.now(),
    )


@pytest.fixture
def world(call_2013: Call, personas: dict[str, User]) -> dict[str, Application]:
    """Each application asks 70,000 €; ranked Rennes, Quimper, Brest, Lyon."""
    made = {}
    ranks = {name: n for n, name in enumerate(sorted(WORLD, key=lambda w: -float(w[3])), 1)}
    for (who, commune, name, value), siret in zip(WORLD, SIRETS, strict=True):
        user = personas.get(who) or User.objects.create_user(who, "x", role=Role.APPLICANT)
        organisation_for(user, siret=siret, commune=commune, name=name)
        application = submitted_application(call_2013, user, f"Projet {name}")
        score(application, value, ranks[(who, commune, name, value)])
        made[commune] = application
    return made
