"""Reading the territory: commune search and the communes the maths work on."""

from django.db.models import Q, QuerySet

from pollen.domain.territory.communes import CommunePoint
from pollen.territory.models import Commune, CommuneKind
from pollen.territory.sources import search_key


def communes_matching(query: str, limit: int = 10) -> QuerySet[Commune]:
    """Communes (and arrondissements) by start of name or postal code, largest first."""
    text = query.strip()
    base = Commune.objects.select_related("departement")
    if not text:
        return base.none()
    if text.isdigit():
        return base.filter(Q(postal_codes__contains=text) | Q(code__startswith=text)).order_by(
            "-population", "code"
        )[:limit]
    key = search_key(text)
    return base.filter(search_name__startswith=key).order_by("-population", "code")[:limit]


def commune_points() -> list[CommunePoint]:
    """Every commune actuelle with a point, as the coverage and selection maths take them."""
    rows = (
        Commune.objects.filter(
            kind=CommuneKind.COMMUNE, latitude__isnull=False, longitude__isnull=False
        )
        .order_by("code")
        .values_list(
            "code", "name", "departement_id", "region_id", "population", "latitude", "longitude"
        )
    )
    return [
        CommunePoint(c, n, d or "", r or "", p, lat or 0.0, lon or 0.0)
        for c, n, d, r, p, lat, lon in rows
    ]
