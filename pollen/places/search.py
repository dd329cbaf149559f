"""The directory search: database filters first, then machines, opening hours and distance."""

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from pollen.clock import PARIS
from pollen.domain.territory.geo import PointIndex, haversine_km
from pollen.domain.territory.opening_hours import (
    MONTHS_FR,
    OpeningHours,
    OpeningHoursError,
    describe_fr,
    french_public_holidays,
    parse,
)
from pollen.places.models import Place, PlaceStatus
from pollen.territory.models import Commune
from pollen.territory.sources import search_key

ALSACE_MOSELLE = frozenset({"57", "67", "68"})


@dataclass(frozen=True)
class Criteria:
    text: str = ""
    kind: str = ""
    machine: str = ""
    status: str = ""
    near: Commune | None = None
    radius_km: float | None = None
    weekday: int | None = None
    on_date: date | None = None
    open_now: bool = False

    @property
    def about_hours(self) -> bool:
        return self.weekday is not None or self.on_date is not None or self.open_now


@dataclass(frozen=True)
class Hit:
    pk: int
    distance_km: float | None


@dataclass(frozen=True)
class SearchOutcome:
    hits: list[Hit]
    hours_unknown: int  # left out: no opening hours, or hours that could not be read
    holiday_notes: list[str]


@lru_cache(maxsize=4096)
def parsed_hours(text: str, coords: tuple[float, float] | None = None) -> OpeningHours | None:
    try:
        return parse(text, coords=coords) if text.strip() else None
    except OpeningHoursError:
        return None


@lru_cache(maxsize=64)
def holidays_around(year: int, alsace_moselle: bool) -> frozenset[date]:
    """Public holidays of the year and its neighbours (a night may cross New Year)."""
    days: set[date] = set()
    for y in (year - 1, year, year + 1):
        days |= french_public_holidays(y, alsace_moselle=alsace_moselle)
    return frozenset(days)


def _holidays(day: date, departement: str) -> frozenset[date]:
    return holidays_around(day.year, departement in ALSACE_MOSELLE)


def day_fr(day: date) -> str:
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS_FR[day.month - 1]} {day.year}"


def _holiday_notes(criteria: Criteria, now: datetime) -> list[str]:
    asked = [(_("Aujourd'hui"), now.date())] if criteria.open_now else []
    if criteria.on_date is not None:
        asked.append((_("Le jour choisi"), criteria.on_date))
    notes = []
    for label, day in asked:
        values = {"when": label, "day": day_fr(day)}
        if day in holidays_around(day.year, False):
            notes.append(
                _(
                    "%(when)s (%(day)s) est un jour férié : un lieu dont les horaires disent "
                    "« PH off » est compté fermé, « PH 10:00-12:00 » suit ces heures."
                )
                % values
            )
        elif day in holidays_around(day.year, True):
            notes.append(
                _(
                    "%(when)s (%(day)s) est férié en Alsace-Moselle (57, 67, 68) : les horaires "
                    "« PH » des lieux de ces départements en tiennent compte."
                )
                % values
            )
    return notes


def _candidates(criteria: Criteria) -> Any:
    qs = Place.objects.filter(status=criteria.status or PlaceStatus.ACTIVE)
    if criteria.kind:
        qs = qs.filter(kind=criteria.kind)
    text = criteria.text.strip()
    if text:
        key = search_key(text)
        match = Q(search_name__contains=key) | Q(commune__search_name__startswith=key)
        if text.isdigit():
            match |= Q(postal_code__startswith=text) | Q(commune__code=text)
        qs = qs.filter(match)
    return qs.order_by("search_name", "pk").values_list(
        "pk",
        "latitude",
        "longitude",
        "machines",
        "opening_hours",
        "commune__departement_id",
        "postal_code",
    )


def _open(oh: OpeningHours, criteria: Criteria, now: datetime, departement: str) -> bool:
    if criteria.weekday is not None and not oh.open_on_weekday(criteria.weekday, now.year):
        return False
    if criteria.on_date is not None and not oh.open_on(
        criteria.on_date, _holidays(criteria.on_date, departement)
    ):
        return False
    return not criteria.open_now or oh.is_open(now, _holidays(now.date(), departement))


def search_places(criteria: Criteria, now: datetime) -> SearchOutcome:
    """Matching places in display order: by distance when a commune is given, else by name."""
    local_now = now.astimezone(PARIS).replace(tzinfo=None)
    kept: list[tuple[int, float | None, float | None]] = []
    unknown = 0
    for pk, lat, lon, machines, hours, departement, postal in _candidates(criteria):
        if criteria.machine and criteria.machine not in (machines or []):
            continue
        if criteria.about_hours:
            oh = parsed_hours(hours)
            if oh is None:
                unknown += 1
                continue
            if not _open(oh, criteria, local_now, departement or postal[:2]):
                continue
        kept.append((pk, lat, lon))
    hits = _by_distance(kept, criteria) if criteria.near else [Hit(pk, None) for pk, _a, _b in kept]
    return SearchOutcome(hits, unknown, _holiday_notes(criteria, local_now))


def _by_distance(
    kept: list[tuple[int, float | None, float | None]], criteria: Criteria
) -> list[Hit]:
    near = criteria.near
    assert near is not None and near.latitude is not None and near.longitude is not None
    located = [(pk, lat, lon) for pk, lat, lon in kept if lat is not None and lon is not None]
    if criteria.radius_km is not None:
        index = PointIndex([r[1] for r in located], [r[2] for r in located])
        located = [
            located[i] for i in index.within(near.latitude, near.longitude, criteria.radius_km)
        ]
    hits = [
        Hit(pk, haversine_km(near.latitude, near.longitude, lat, lon))
        for pk, lat, lon in located
        if lat is not None and lon is not None
    ]
    # Stable sort: equal distances keep the name order of the database.
    order = {pk: i for i, (pk, _a, _b) in enumerate(kept)}
    return sorted(hits, key=lambda h: (h.distance_km, order[h.pk]))


@dataclass(frozen=True)
class HoursSummary:
    lines: list[str]
    status: str  # "open", "closed", "unknown", or "" when the hours are missing or invalid
    message: str
    note: str = ""  # valid hours the French description leaves out (« non prise en charge »)


def hours_summary(
    text: str, now: datetime, departement: str, coords: tuple[float, float] | None = None
) -> HoursSummary:
    """The week in French and whether the place is open now (public holidays counted)."""
    oh = parsed_hours(text, coords)
    if oh is None:
        return HoursSummary([], "", "")
    local_now = now.astimezone(PARIS).replace(tzinfo=None)
    status = oh.status_at(local_now, _holidays(local_now.date(), departement))
    return HoursSummary(describe_fr(oh), status.code, status.message_fr, oh.unsupported_message_fr)
