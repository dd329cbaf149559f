"""OpenStreetMap ``opening_hours`` values: read and evaluated by opening-hours-py, told in French.

The library (the Rust ``opening-hours`` crate) reads the whole specification: month days,
years, weeks, ``easter``, ``Mo[1]``, sun times, open ends, ``||`` fallbacks. Pollen adds:

- Leniency: a value the library refuses is tried once more after harmless fixes (en/em dashes,
  spaces inside ranges, a missing space, time spans separated by spaces, a trailing ``;``).
  Only a value refused both ways is *invalid* (``OpeningHoursError``, « invalide »).
- A rule carrying a comment but no state (``Mo-Fr 09:00-18:00 "appeler avant"``, ``Sa "sur
  rendez-vous"``) is *unknown*, as the specification and opening_hours.js say (the library
  would call it open): we never claim a place is open when the data only says "ask". So is a
  rule whose times are all open ends (``Su 10:00+``), as in opening_hours.js.
- ``A || B``: B speaks wherever A says closed, as in opening_hours.js (the library only uses B
  on days no rule of A selects).
- Public holidays come from the caller (``holidays``, see ``french_public_holidays``); the
  library takes a country, so for each evaluation we give it the first calendar it knows that
  agrees with the caller's on the days that count (Alsace-Moselle's Good Friday and 26
  December are Germany's too). With ``holidays=None`` no day is a holiday.
- Times are naive Europe/Paris wall-clock times; sun times are those of Paris unless the
  caller gives the place's coordinates.
- ``describe_fr`` tells the week month by month, read from the library's own evaluation of a
  reference week of each month, so the text and the state never disagree. It covers months,
  weekdays, ``PH``, times and states; a value using more (``Dec 25``, ``week``, ``sunrise`` …)
  is valid but its description is « non prise en charge » (``OpeningHours.unsupported``).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import opening_hours as osm

from pollen.domain.territory.opening_hours_fr import (
    MONTHS_FR,
    WEEKDAYS_FR,
    day_fr,
    months_fr,
    pieces_by_day,
    unsupported_fr,
    week_lines,
)
from pollen.domain.territory.opening_hours_text import (
    WEEKDAY_CODES,
    OpeningHoursError,
    calendar_scope,
    fallback_parts,
    invalid,
    lenient,
    tokens,
    unsupported,
    uses_sun,
    with_unknown,
)

__all__ = [
    "MONTHS_FR",
    "WEEKDAYS_FR",
    "WEEKDAY_CODES",
    "OpenStatus",
    "OpeningHours",
    "OpeningHoursError",
    "State",
    "describe_fr",
    "easter_sunday",
    "french_public_holidays",
    "parse",
]

State = Literal["open", "closed", "unknown"]
PARIS = ZoneInfo("Europe/Paris")
PARIS_COORDS = (48.8566, 2.3522)
REFERENCE_YEAR = 2026
# Calendars tried, in order, to match the holidays a caller gives (None: no holiday at all).
CALENDARS: tuple[str | None, ...] = (None, "FR", "DE", "LU", "BE", "AT")
# The library's parse error is missing from its type stubs.
_PARSE_ERRORS: tuple[type[Exception], ...] = (getattr(osm, "ParserError", SyntaxError), SyntaxError)


@dataclass(frozen=True, slots=True)
class OpenStatus:
    """Open, closed or unknown at a moment, with a stable code and a French sentence."""

    at: datetime
    state: State
    comment: str
    holidays_ignored: bool  # the value mentions PH but no holiday dates were given

    @property
    def is_open(self) -> bool:
        return self.state == "open"

    @property
    def code(self) -> str:
        return self.state

    @property
    def message_fr(self) -> str:
        day = "1er" if self.at.day == 1 else str(self.at.day)
        when = f"{WEEKDAYS_FR[self.at.weekday()]} {day} {MONTHS_FR[self.at.month - 1]}"
        when = f"le {when} {self.at.year} à {self.at:%H:%M}"
        words = {"open": "Ouvert", "closed": "Fermé", "unknown": "Ouverture à confirmer"}
        text = f"{words[self.state]} {when}" + (f" ({self.comment})." if self.comment else ".")
        if self.holidays_ignored:
            text += " Les jours fériés ne sont pas pris en compte."
        return text


@dataclass(frozen=True)
class OpeningHours:
    """A value the library read; see the module docstring for what Pollen adds."""

    source: str
    text: str  # what the library reads: the source, tolerated fixes and "unknown" added
    coords: tuple[float, float]
    unsupported: tuple[str, ...]  # what the French description leaves out, if anything
    mentions_holidays: bool
    notes: tuple[str, ...]
    _cache: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    @property
    def normalized(self) -> str:
        """The library's normal form: equal for values that mean the same (``Fr-Mo``, ``Mo,Fr-Su``)."""
        return str(_library(self.text, None, self.coords).normalize())

    @property
    def unsupported_message_fr(self) -> str:
        return unsupported_fr(self.unsupported) if self.unsupported else ""

    def _engine(self, country: str | None) -> _Engine:
        key = ("engine", country)
        if key not in self._cache:
            self._cache[key] = _Engine(self.text, country, self.coords)
        engine = self._cache[key]
        assert isinstance(engine, _Engine)
        return engine

    def _for(self, first: date, last: date, holidays: Collection[date] | None) -> _Engine:
        return self._engine(_calendar(first, last, holidays))

    def state_at(self, at: datetime, holidays: Collection[date] | None = None) -> State:
        return self.status_at(at, holidays).state

    def status_at(self, at: datetime, holidays: Collection[date] | None = None) -> OpenStatus:
        """The state at `at`, a naive Europe/Paris wall-clock time."""
        if at.tzinfo is not None:
            raise ValueError("Attendu : une heure locale naïve (Europe/Paris), sans fuseau.")
        engine = self._for(at.date() - timedelta(days=1), at.date(), holidays)
        state, comment = engine.state(at)
        ignored = holidays is None and self.mentions_holidays
        return OpenStatus(at=at, state=state, comment=comment, holidays_ignored=ignored)

    def is_open(self, at: datetime, holidays: Collection[date] | None = None) -> bool:
        return self.state_at(at, holidays) == "open"

    def intervals_on(
        self, day: date, holidays: Collection[date] | None = None
    ) -> list[tuple[datetime, datetime]]:
        """Open intervals that overlap `day` (a night from the eve included), whole nights."""
        start = datetime.combine(day - timedelta(days=1), time())
        engine = self._for(day - timedelta(days=2), day + timedelta(days=1), holidays)
        spans = _merged(engine, start, start + timedelta(days=3), {"open"})
        midnight = datetime.combine(day, time())
        return [
            (begin, end)
            for begin, end, _state, _comment in spans
            if begin < midnight + timedelta(days=1) and end > midnight
        ]

    def open_on(self, day: date, holidays: Collection[date] | None = None) -> bool:
        """Some opening interval starts on `day` or overlaps it."""
        return bool(self.intervals_on(day, holidays))

    def open_on_weekday(self, weekday: int, year: int = REFERENCE_YEAR) -> bool:
        """Open on that weekday (0 = Monday) on some day of `year`, holidays not counted."""
        if not 0 <= weekday <= 6:
            raise ValueError(f"Jour de la semaine invalide : {weekday} (attendu de 0 à 6).")
        key = ("weekdays", year)
        if key not in self._cache:
            self._cache[key] = self._open_weekdays(year)
        weekdays = self._cache[key]
        assert isinstance(weekdays, frozenset)
        return weekday in weekdays

    def _open_weekdays(self, year: int) -> frozenset[int]:
        """A reference week says it all unless the value names months (one a month) or dates."""
        scope = calendar_scope(self.text)
        if scope == "year":
            windows = [(_new_year(year), _new_year(year + 1))]
        else:
            mondays = [_reference_week(m, year) for m in (range(1, 13) if scope else [1])]
            windows = [
                (_midnight(m - timedelta(days=1)), _midnight(m + timedelta(days=8)))
                for m in mondays
            ]
        found: set[int] = set()
        for start, end in windows:
            for begin, stop, _state, _comment in _merged(self._engine(None), start, end, {"open"}):
                day = begin.date()
                while _midnight(day) < stop and len(found) < 7:
                    found.add(day.weekday())
                    day += timedelta(days=1)
        return frozenset(found)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def _new_year(year: int) -> datetime:
    return datetime.combine(date(year, 1, 1), time())  # naive wall-clock, as everywhere here


@lru_cache(maxsize=64)
def _calendar_days(country: str, year: int) -> frozenset[date]:
    probe = osm.OpeningHours("PH", country=country)
    spans = probe.intervals(_new_year(year), _new_year(year + 1))
    return frozenset(
        begin.date() + timedelta(days=k)
        for begin, end, state, _comment in spans
        if state == osm.State.OPEN
        for k in range((end - begin).days)
    )


def _calendar(first: date, last: date, holidays: Collection[date] | None) -> str | None:
    """The first calendar the library knows that agrees with `holidays` from `first` to `last`."""
    if holidays is None:
        return None
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    wanted = [day in holidays for day in days]
    if not any(wanted):
        return None
    for country in CALENDARS[1:]:
        if [day in _calendar_days(country, day.year) for day in days] == wanted:
            return country
    return "FR"


def _library(text: str, country: str | None, coords: tuple[float, float]) -> osm.OpeningHours:
    if not uses_sun(text):  # a time zone doubles the library's time: only for the sun
        return osm.OpeningHours(text, country=country, auto_country=False)
    return osm.OpeningHours(
        text,
        timezone=PARIS,
        country=country,
        coords=coords,
        auto_country=False,  # holidays come from the caller; see _calendar
    )


def _state(state: osm.State) -> State:
    if state == osm.State.OPEN:
        return "open"
    return "unknown" if state == osm.State.UNKNOWN else "closed"


Span = tuple[datetime, datetime, State, str]


class _Engine:
    """The library on each ``||`` part: a later part speaks wherever the earlier ones say closed.

    opening_hours.js reads a fallback so; the library only where no earlier rule selects the day.
    """

    def __init__(self, text: str, country: str | None, coords: tuple[float, float]) -> None:
        self.parts = [_library(part, country, coords) for part in fallback_parts(text)]

    def state(self, at: datetime) -> tuple[State, str]:
        first: tuple[State, str] | None = None
        for part in self.parts:
            raw, comment = part.state(at)
            if _state(raw) != "closed":
                return _state(raw), comment
            first = first or ("closed", comment)
        assert first is not None
        return first

    def intervals(self, start: datetime, end: datetime) -> list[Span]:
        """Naive (wall-clock) intervals of one state from `start` to `end`."""
        each = [
            [(b.replace(tzinfo=None), e.replace(tzinfo=None), _state(s), c) for b, e, s, c in spans]
            for spans in (part.intervals(start, end) for part in self.parts)
        ]
        if len(each) == 1:
            return each[0]
        cuts = sorted({start, end} | {span[1] for spans in each for span in spans})
        return [(b, e, *self._pick(each, b)) for b, e in itertools.pairwise(cuts)]

    @staticmethod
    def _pick(each: list[list[Span]], at: datetime) -> tuple[State, str]:
        found = [next(s[2:] for s in spans if s[0] <= at < s[1]) for spans in each]
        return next((f for f in found if f[0] != "closed"), found[0])


def _merged(engine: _Engine, start: datetime, end: datetime, states: set[str]) -> list[Span]:
    """The engine's intervals, neighbours of equal state and comment joined."""
    merged: list[Span] = []
    for begin, stop, state, comment in engine.intervals(start, end):
        if merged and merged[-1][1] == begin and merged[-1][2:] == (state, comment):
            merged[-1] = (merged[-1][0], stop, state, comment)
        else:
            merged.append((begin, stop, state, comment))
    return [span for span in merged if span[2] in states]


def parse(text: str, *, coords: tuple[float, float] | None = None) -> OpeningHours:
    """Read an opening_hours value; raise OpeningHoursError (« invalide ») if the library can't."""
    if not text or not text.strip():
        raise OpeningHoursError("empty", "", "Les horaires sont vides.")
    source, where = text, coords or PARIS_COORDS
    candidates = dict.fromkeys((text.strip(), lenient(text)))
    first_error: Exception | None = None
    for candidate in candidates:
        readable = with_unknown(candidate)
        try:
            _library(readable, None, where)
        except _PARSE_ERRORS as exc:
            first_error = first_error or exc
            continue
        words = [value.lower() for kind, value in tokens(candidate) if kind == "word"]
        notes = [value.strip('"').strip() for kind, value in tokens(candidate) if kind == "comment"]
        return OpeningHours(
            source=source,
            text=readable,
            coords=where,
            unsupported=unsupported(candidate),
            mentions_holidays="ph" in words,
            notes=tuple(dict.fromkeys(note for note in notes if note)),
        )
    assert first_error is not None
    raise invalid(text.strip(), first_error) from None


# --- French ----------------------------------------------------------------------------------


def _reference_week(month: int, year: int = REFERENCE_YEAR) -> date:
    """The first Monday of `month` whose Sunday eve is in the month too."""
    day = date(year, month, 2)
    return day + timedelta(days=-day.weekday() % 7)


def _week(oh: OpeningHours, monday: date, country: str | None = None) -> list[str]:
    engine = oh._engine(country)
    start = datetime.combine(monday - timedelta(days=1), time())
    spans = _merged(engine, start, start + timedelta(days=9), {"open", "unknown"})
    closed = _merged(engine, start, start + timedelta(days=9), {"closed"})
    pieces = pieces_by_day(spans, monday - timedelta(days=1), 9)
    closed_notes = pieces_by_day([c for c in closed if c[3]], monday - timedelta(days=1), 9)
    return [day_fr(pieces[k], [p.comment for p in closed_notes[k]]) for k in range(1, 8)]


def _holiday_label(oh: OpeningHours) -> str:
    labels = set()
    for holiday in sorted(french_public_holidays(REFERENCE_YEAR)):
        monday = holiday - timedelta(days=holiday.weekday())
        labels.add(_week(oh, monday, "FR")[holiday.weekday()])
    return labels.pop() if len(labels) == 1 else "horaires particuliers"


def describe_fr(oh: OpeningHours) -> list[str]:
    """Lines in French, day by day (« lundi – vendredi : 09:00–12:00, 14:00–18:00 »).

    Empty when the value uses syntax the description leaves out (``oh.unsupported``)."""
    if oh.unsupported:
        return []
    seasons: dict[tuple[str, ...], set[int]] = {}
    for month in range(1, 13) if calendar_scope(oh.text) else range(1, 2):
        seasons.setdefault(tuple(_week(oh, _reference_week(month))), set()).add(month)
    lines: list[str] = []
    for week, months in sorted(seasons.items(), key=lambda item: min(item[1])):
        lines += week_lines(week, months_fr(months) if len(seasons) > 1 else "")
    if oh.mentions_holidays:
        lines.append(f"jours fériés : {_holiday_label(oh)}")
    lines += [f"note : {note}" for note in oh.notes if not any(note in line for line in lines)]
    return lines


# --- French public holidays ------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, (b, c) = year % 19, divmod(year, 100)
    d, e = divmod(b, 4)
    g = (b - (b + 8) // 25 + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


def french_public_holidays(year: int, *, alsace_moselle: bool = False) -> set[date]:
    """The 11 national jours fériés of `year`; Alsace-Moselle adds Good Friday and 26 December."""
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    days = {date(year, month, day) for month, day in fixed}
    # Lundi de Pâques, Ascension, lundi de Pentecôte.
    days |= {easter + timedelta(days=n) for n in (1, 39, 50)}
    if alsace_moselle:
        days |= {easter - timedelta(days=2), date(year, 12, 26)}
    return days
