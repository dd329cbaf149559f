"""Loading the territory reference data (idempotent upserts)."""

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from django.db import transaction

from pollen import clock
from pollen.territory import sources
from pollen.territory.models import Commune, CommuneKind, Departement, Region, TerritoryLoad

PARENTS = {"75": "75056", "69": "69123", "13": "13055"}
BATCH = 2000


def _parent_of(code: str, kind: str) -> str | None:
    if kind != CommuneKind.ARRONDISSEMENT:
        return None
    return PARENTS.get(code[:2])


def fingerprint(*texts: str) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
    return digest.hexdigest()


def _counts() -> dict[str, int]:
    return {
        "regions": Region.objects.count(),
        "departements": Departement.objects.count(),
        "communes": Commune.objects.actuelles().count(),
        "arrondissements": Commune.objects.filter(kind=CommuneKind.ARRONDISSEMENT).count(),
    }


def already_loaded(stamp: str) -> dict[str, int] | None:
    """The counts of the last load when it had this fingerprint and the tables still match."""
    last = TerritoryLoad.objects.first()
    if last is None or last.fingerprint != stamp:
        return None
    counts = _counts()
    return counts if counts == last.counts else None


@transaction.atomic
def load_territory(
    *,
    regions: str | Path,
    departements: str | Path,
    communes_csv: str | Path,
    communes_json: str | Path,
    stamp: str = "",
    progress: Callable[[Iterable[list[Commune]], int], Iterable[list[Commune]]] = lambda it, n: it,
) -> dict[str, int]:
    """Upsert régions, départements and communes; returns counts. Running it twice changes nothing."""
    Region.objects.bulk_create(
        [Region(code=r["code"], name=r["nom"]) for r in sources.read_json(regions)],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name"],
    )
    Departement.objects.bulk_create(
        [
            Departement(code=d["code"], name=d["nom"], region_id=d["region"])
            for d in sources.read_json(departements)
        ],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "region"],
    )
    postal = sources.postal_codes_by_code(communes_json)
    known_deps = set(Departement.objects.values_list("code", flat=True))
    known_regions = set(Region.objects.values_list("code", flat=True))
    rows = sorted(
        sources.iter_commune_rows(communes_csv),
        key=lambda r: (r.kind != CommuneKind.COMMUNE, r.code),
    )
    communes = [
        Commune(
            code=r.code,
            name=r.name,
            search_name=sources.search_key(r.name),
            kind=r.kind,
            zone=r.zone,
            departement_id=r.departement if r.departement in known_deps else None,
            region_id=r.region if r.region in known_regions else None,
            parent_id=_parent_of(r.code, r.kind),
            population=r.population,
            latitude=r.latitude,
            longitude=r.longitude,
            postal_codes=postal.get(r.code, ""),
        )
        for r in rows
    ]
    batches = [communes[i : i + BATCH] for i in range(0, len(communes), BATCH)]
    for batch in progress(batches, len(batches)):
        Commune.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=[
                "name",
                "search_name",
                "kind",
                "zone",
                "departement",
                "region",
                "parent",
                "population",
                "latitude",
                "longitude",
                "postal_codes",
            ],
        )
    counts = _counts()
    TerritoryLoad.objects.create(fingerprint=stamp, loaded_at=clock.now(), counts=counts)
    return counts
