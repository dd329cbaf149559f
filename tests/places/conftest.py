"""Places on the small test territory, built through the same services the app uses."""

from typing import Any

import pytest

from pollen.places import reports, services
from pollen.places.models import Place, PlaceKind
from pollen.territory.models import Commune

# A few more Finistère communes around Quimper (real points, rounded).
FINISTERE = [
    ("29046", "Douarnenez", 14169, 48.0925, -4.3289, "29100"),
    ("29039", "Concarneau", 18991, 47.8753, -3.9189, "29900"),
    ("29151", "Morlaix", 14653, 48.5775, -3.8278, "29600"),
]


@pytest.fixture(autouse=True)
def _fresh_caches():
    """The coverage model is cached per process: each test builds its own territory."""
    reports.reset_caches()
    yield
    reports.reset_caches()


@pytest.fixture
def finistere(territory) -> None:
    for code, name, pop, lat, lon, postal in FINISTERE:
        Commune.objects.create(
            code=code,
            name=name,
            search_name=name.lower(),
            departement_id="29",
            region_id="53",
            population=pop,
            latitude=lat,
            longitude=lon,
            postal_codes=postal,
        )


@pytest.fixture
def make_place(db):
    def make(name: str, commune: str | None = None, **values: Any) -> Place:
        place_commune = Commune.objects.get(code=commune) if commune else None
        defaults: dict[str, Any] = {
            "name": name,
            "kind": PlaceKind.FABLAB,
            "commune_id": commune,
            "postal_code": place_commune.main_postal_code if place_commune else "",
        }
        if place_commune is not None and "latitude" not in values:
            defaults.update(
                latitude=place_commune.latitude,
                longitude=place_commune.longitude,
                approximate=True,
            )
        return services.create_place(acting_user=None, values={**defaults, **values})

    return make
