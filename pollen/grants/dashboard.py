"""The programme's dashboard: envelope → calls → committed, paid, remaining, and charts as data."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from pollen import clock
from pollen.calls.models import Programme
from pollen.domain.grants.finance import EnvelopeFigures
from pollen.domain.territory.coverage import CoverageModel
from pollen.formatting import format_cents
from pollen.grants.models import Grant, Payment, PaymentStatus
from pollen.grants.services import envelope_figures
from pollen.territory.selectors import commune_points

COVERAGE_RADIUS_KM = 20.0  # the selection's default radius (pollen.domain.selection.problem)
BAR_HEIGHT = 22


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    cents: int
    width: Decimal  # percentage of the chart's width
    y: int


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    bars: tuple[Bar, ...]

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * BAR_HEIGHT + 4


def chart(title: str, items: list[tuple[str, int]]) -> Chart:
    """Horizontal bars scaled on the largest value; the template draws them as SVG."""
    top = max((cents for _label, cents in items), default=0) or 1
    return Chart(
        title,
        tuple(
            Bar(label, cents, (Decimal(cents) * 100 / top).quantize(Decimal("0.1")), i * BAR_HEIGHT)
            for i, (label, cents) in enumerate(items)
        ),
    )


def _by_region(programme: Programme) -> list[tuple[str, int]]:
    rows = (
        Grant.objects.filter(programme=programme)
        .values("application__organisation__commune__region__name")
        .annotate(total=Sum("committed_cents"))
        .order_by("-total")
    )
    return [
        (r["application__organisation__commune__region__name"] or _("Région inconnue"), r["total"])
        for r in rows
    ]


def _over_time(programme: Programme) -> list[dict[str, Any]]:
    committed: dict[int, int] = defaultdict(int)
    paid: dict[int, int] = defaultdict(int)
    for decided_on, cents in Grant.objects.filter(programme=programme).values_list(
        "decided_on", "committed_cents"
    ):
        committed[decided_on.year] += cents
    for paid_at, cents in Payment.objects.filter(
        grant__programme=programme, status=PaymentStatus.PAID
    ).values_list("paid_at", "amount_cents"):
        if paid_at is not None:
            paid[paid_at.astimezone(clock.PARIS).year] += cents
    return [
        {"year": year, "committed_cents": committed[year], "paid_cents": paid[year]}
        for year in sorted(set(committed) | set(paid))
    ]


def coverage_over_time(programme: Programme) -> list[dict[str, Any]]:
    """Share of the population within reach of a funded fablab, cumulated year by year."""
    grants = (
        Grant.objects.filter(programme=programme, application__organisation__commune__isnull=False)
        .order_by("decided_on")
        .values_list(
            "decided_on",
            "application__organisation__commune__latitude",
            "application__organisation__commune__longitude",
        )
    )
    by_year: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for decided_on, lat, lon in grants:
        if lat is not None and lon is not None:
            by_year[decided_on.year].append((lat, lon))
    communes = commune_points()
    if not by_year or not communes:
        return []
    model = CoverageModel(communes)
    places: list[tuple[float, float]] = []
    rows = []
    for year in sorted(by_year):
        places.extend(by_year[year])
        report = model.coverage(places, COVERAGE_RADIUS_KM, top=0)
        share = Decimal(report.covered_population) / Decimal(report.population or 1)
        rows.append({"year": year, "places": len(places), "share": share})
    return rows


def programme_dashboard(programme: Programme) -> dict[str, Any]:
    figures = envelope_figures(programme)
    calls: list[dict[str, Any]] = [
        {"call": call, "figures": envelope_figures(programme, call)}
        for call in programme.calls.order_by("opens_at")
    ]
    over_time = _over_time(programme)
    return {
        "programme": programme,
        "figures": figures,
        "calls": calls,
        "region_chart": chart(_("Engagé par région"), _by_region(programme)),
        "call_chart": chart(
            _("Engagé par appel"), [(c["call"].title, c["figures"].committed_cents) for c in calls]
        ),
        "time_chart": chart(
            _("Versé par année"), [(str(r["year"]), r["paid_cents"]) for r in over_time]
        ),
        "over_time": over_time,
        "coverage": coverage_over_time(programme),
        "coverage_radius_km": int(COVERAGE_RADIUS_KM),
    }


def envelope_summary(figures: EnvelopeFigures) -> str:
    return _("Engagé %(committed)s, versé %(paid)s, reste à engager %(remaining)s.") % {
        "committed": format_cents(figures.committed_cents),
        "paid": format_cents(figures.paid_cents),
        "remaining": format_cents(figures.remaining_cents),
    }
