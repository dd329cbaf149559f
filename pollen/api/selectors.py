"""What the API reads: calls, public awards, places (when the directory exists) and coverage."""

from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Max, QuerySet

from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.domain.apply.money import from_cents
from pollen.domain.territory.coverage import CoverageModel
from pollen.grants.models import Grant
from pollen.programmes import for_staff
from pollen.territory.selectors import commune_points

MAX_PAGE_SIZE = 100


class BadQuery(ValueError):
    """A query parameter the API cannot use; the message is French."""


def int_param(params: Any, name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if raw == "":
        raise BadQuery(f"Le paramètre « {name} » est vide : donnez une valeur ou retirez-le.")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise BadQuery(f"Le paramètre « {name} » doit être un entier.") from None
    if not low <= value <= high:
        raise BadQuery(f"Le paramètre « {name} » doit être compris entre {low} et {high}.")
    return value


def text_param(params: Any, name: str) -> str:
    """A filter's value: "" when absent; given but empty is a mistake the caller is told of."""
    raw = params.get(name)
    if raw is None:
        return ""
    if raw == "":
        raise BadQuery(f"Le paramètre « {name} » est vide : donnez une valeur ou retirez-le.")
    return str(raw)


def page_of(params: Any, qs: QuerySet[Any], serialise: Any) -> dict[str, Any]:
    page = int_param(params, "page", 1, 1, 10**6)
    size = int_param(params, "page_size", 50, 1, MAX_PAGE_SIZE)
    start = (page - 1) * size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": [serialise(x) for x in qs[start : start + size]],
    }


def call_json(call: Call) -> dict[str, Any]:
    spec = call.spec
    return {
        "slug": call.slug,
        "version": call.version,
        "title": call.title,
        "funder": call.funder,
        "funder_siret": spec.funder_siret,
        "opens_at": call.opens_at.isoformat(),
        "closes_at": call.closes_at.isoformat(),
        "envelope_eur": f"{call.envelope:.2f}",
        "target_awards": call.target_awards,
        "programme": call.programme.slug,
        "rules": [{"id": r.id, "kind": r.kind} for r in spec.rules],
    }


def published_calls() -> QuerySet[Call]:
    return (
        Call.objects.filter(is_published=True)
        .select_related("programme")
        .order_by("-opens_at", "id")
    )


def awards(params: Any) -> QuerySet[Grant, dict[str, Any]]:
    """Signed awards, the same set as the SCDL file, filtered by call, région or year."""
    qs = Grant.objects.filter(signed_on__isnull=False).order_by("id")
    if call := text_param(params, "call"):
        qs = qs.filter(call__slug=call)
    if region := text_param(params, "region"):
        qs = qs.filter(application__organisation__commune__region_id=region)
    if year := int_param(params, "year", 0, 1900, 2200):
        qs = qs.filter(signed_on__year=year)
    # Plain rows, not model instances: a list page is read 50 at a time, many times a second.
    return qs.values(  # type: ignore[return-value]
        "reference",
        "call__slug",
        "beneficiary_name",  # as agreed, not the organisation's current profile
        "beneficiary_siret",
        "application__organisation__commune_id",
        "application__title",
        "awarded_cents",
        "signed_on",
    )


def award_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "reference": row["reference"],
        "call": row["call__slug"],
        "beneficiary": row["beneficiary_name"],
        "beneficiary_siret": row["beneficiary_siret"],
        "commune_insee": row["application__organisation__commune_id"],
        "object": row["application__title"],
        "amount_eur": f"{from_cents(row['awarded_cents']):.2f}",
        "agreement_date": row["signed_on"].isoformat() if row["signed_on"] else None,
    }


def places_model() -> Any:
    """The directory's Place model, or None while the places app has none."""
    try:
        from pollen.places.models import Place
    except ImportError:
        return None
    return Place


def places() -> QuerySet[Any] | None:
    if places_model() is None:
        return None
    try:
        from pollen.places.selectors import places_to_export
    except ImportError:
        every: QuerySet[Any] = places_model().objects.order_by("id")
        return every
    return places_to_export()


def place_json(place: Any) -> dict[str, Any]:
    return {
        "id": place.pk,
        "name": place.name,
        "kind": getattr(place, "kind", ""),
        "commune_insee": getattr(place, "commune_id", None),
        "latitude": getattr(place, "latitude", None),
        "longitude": getattr(place, "longitude", None),
        "website": getattr(place, "website", ""),
    }


def _funded_points() -> list[tuple[float, float]]:
    rows: Iterable[tuple[float | None, float | None]] = Grant.objects.values_list(
        "application__organisation__commune__latitude",
        "application__organisation__commune__longitude",
    )
    return [(lat, lon) for lat, lon in rows if lat is not None and lon is not None]


def coverage(radius_km: int) -> dict[str, Any]:
    """Population within radius_km of a funded fablab; cached until a grant is added."""
    latest = Grant.objects.aggregate(m=Max("id"))["m"] or 0
    key = f"pollen-api-coverage:{radius_km}:{latest}:{Grant.objects.count()}"
    cached: dict[str, Any] | None = cache.get(key)
    if cached is not None:
        return cached
    communes = commune_points()
    if not communes:
        result: dict[str, Any] = {"radius_km": radius_km, "available": False}
    else:
        report = CoverageModel(communes).coverage(_funded_points(), float(radius_km), top=0)
        result = {
            "radius_km": radius_km,
            "available": True,
            "funded_places": len(_funded_points()),
            "population": report.population,
            "covered_population": report.covered_population,
            "by_region": {
                code: {"population": a.population, "covered_population": a.covered_population}
                for code, a in report.by_region.items()
            },
        }
    cache.set(key, result, timeout=600)
    return result


def staff_applications(params: Any, user: Any) -> QuerySet[Application]:
    """The applications of the token holder's programmes."""
    qs = for_staff(Application.objects.select_related("call", "organisation"), user).order_by("id")
    if status := text_param(params, "status"):
        qs = qs.filter(status=status)
    if call := text_param(params, "call"):
        qs = qs.filter(call__slug=call)
    return qs


def application_json(application: Application) -> dict[str, Any]:
    return {
        "id": application.pk,
        "call": application.call.slug,
        "title": application.title,
        "status": application.status,
        "organisation": application.organisation.legal_name,
        "requested_amount_eur": f"{application.requested_amount:.2f}",
        "eligible": application.eligible,
    }
