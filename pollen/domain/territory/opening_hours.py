"""OpenStreetMap ``opening_hours`` values: a documented subset, parsed and evaluated.

Supported (anything else raises ``OpeningHoursError`` with a French message naming the part):

- ``24/7``; rules separated by ``;`` (a later rule *replaces* what earlier rules said for the
  days it selects) or by ``,`` after a time or a state (an *additional* rule: it adds, never
  replaces); a trailing separator is tolerated.
- Month selectors ``Jan``, ``Jan-Jun``, ``Jul,Aug``, wrapping ``Nov-Feb``, optionally followed
  by the ``:`` readability separator. No month days, weeks, years or Easter.
- Weekday selectors ``Mo``, ``Mo-Fr``, wrapping ``Fr-Mo``, lists ``Mo,We,Fr`` and ``PH`` (public
  holiday) in the same list, read as "or": ``Mo-Fr,PH``. No ``SH``, no ``Th[1]``.
- Time spans ``09:00-12:00,14:00-18:00``; ``24:00`` as an end; an end at or before the start
  wraps past midnight (``20:00-02:00``), and extended ends up to ``48:00`` (``18:00-26:00``).
  A rule without times means the whole day. No open ends (``18:00+``), no sun times.
- States ``open`` (default), ``off`` / ``closed``; a ``"comment"`` is kept as a note. A rule
  made of selectors and a comment only (``Sa "sur rendez-vous"``) closes those days and keeps
  the note: we do not claim a place is open when the data only says "ask".

Evaluation (wall-clock minutes, naive datetimes in Europe/Paris, no DST arithmetic):

- A span belongs to the day it starts on; ``Fr 20:00-02:00`` makes Saturday 01:00 open.
- A ``;`` rule that selects a day replaces that day's spans, *including* what the previous
  evening spills into it (as opening_hours.js does): ``Fr 20:00-02:00; Sa off`` is closed on
  Saturday 01:00 (write ``Sa 00:00-02:00 ...`` in Saturday's rule to keep the night).
  Unlike opening_hours.js, a day replaced by a later rule no longer spills into the next day
  (``22:00-02:00; Tu 12:00-14:00`` is closed on Wednesday 01:00), so that the French
  description of each day and the evaluation always agree.
- ``off`` with times removes those times only (``Mo-Fr 08:00-18:00; We 12:00-14:00 off``);
  ``off`` without times closes the whole day, even after ``,``.
- An interval counts for the day it starts on *and* for the day it overlaps:
  ``intervals_on(saturday)`` lists Friday 20:00 - Saturday 02:00.
- ``open_on_weekday`` answers "open on Saturday?" for at least one month of the year, with
  no public holiday, a night from Friday counting for Saturday too.
- Public holidays are known only from the caller (``holidays``, see ``french_public_holidays``).
  With ``holidays=None`` no day is a holiday, so ``PH`` selects nothing; ``status_at`` then says
  ``holidays_ignored`` when the value mentions ``PH``.

Leniency (OSM itself is case-sensitive and strict on spaces): any case (``mo-fr``, ``OFF``),
any whitespace (none, several, non-breaking), en/em dashes as ``-``, one-digit hours (``9:00``),
time spans separated by spaces instead of commas.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, NamedTuple

DAY = 1440  # minutes in a day

WEEKDAY_CODES = ("mo", "tu", "we", "th", "fr", "sa", "su")
MONTH_CODES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_UNSUPPORTED = {"sh": "vacances scolaires", "week": "numéros de semaine", "easter": "Pâques"}
_UNSUPPORTED |= dict.fromkeys(("sunrise", "sunset", "dawn", "dusk"), "heures solaires")
_UNSUPPORTED["unknown"] = "état inconnu"
_WORDS: dict[str, tuple[str, str | int]] = {"ph": ("ph", 0), "open": ("state", "open")}
_WORDS |= dict.fromkeys(("off", "closed"), ("state", "closed"))
_WORDS |= {code: ("weekday", i) for i, code in enumerate(WEEKDAY_CODES)}
_WORDS |= {code: ("month", i + 1) for i, code in enumerate(MONTH_CODES)}
_TOKEN_RE = re.compile(
    r'\s*(?:(?P<comment>"[^"]*")|(?P<always>24/7)|(?P<time>\d{1,2}:\d{2})'
    r"|(?P<word>[^\W\d_]+)|(?P<sep>\|\||[;,:\-–—]))"
)

State = Literal["open", "closed", "unknown"]


class OpeningHoursError(ValueError):
    """A value outside the supported subset: a stable `code`, the bad `part`, a French message."""

    def __init__(self, code: str, part: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.part = part


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: which days (months, weekdays, PH), which minute spans, which state."""

    months: frozenset[int] | None  # 1-12; None: every month
    weekdays: frozenset[int] | None  # 0 = Monday; None (and no PH): every day
    public_holidays: bool
    spans: tuple[tuple[int, int], ...]  # (start, end) minutes, start < 1440, end <= 2880
    state: State
    comment: str | None
    additional: bool  # joined by ",": adds to the day instead of replacing it

    def matches(self, day: _Day) -> bool:
        if self.months is not None and day.month not in self.months:
            return False
        if self.weekdays is None and not self.public_holidays:
            return True
        in_week = self.weekdays is not None and day.weekday in self.weekdays
        return in_week or (self.public_holidays and day.holiday)


@dataclass(frozen=True, slots=True)
class OpenStatus:
    """Whether a place is open at a moment, with a stable code and a French sentence."""

    at: datetime
    is_open: bool
    holidays_ignored: bool  # the value mentions PH but no holiday dates were given

    @property
    def code(self) -> str:
        return "open" if self.is_open else "closed"

    @property
    def message_fr(self) -> str:
        day = "1er" if self.at.day == 1 else str(self.at.day)
        when = f"{WEEKDAYS_FR[self.at.weekday()]} {day} {MONTHS_FR[self.at.month - 1]}"
        text = (
            f"{'Ouvert' if self.is_open else 'Fermé'} le {when} {self.at.year} à {self.at:%H:%M}."
        )
        if self.holidays_ignored:
            text += " Les jours fériés ne sont pas pris en compte."
        return text


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """A parsed opening_hours value; see the module docstring for the semantics."""

    rules: tuple[Rule, ...]
    source: str

    @property
    def mentions_holidays(self) -> bool:
        return any(rule.public_holidays for rule in self.rules)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.comment for r in self.rules if r.comment))

    def intervals_on(
        self, day: date, holidays: Collection[date] | None = None
    ) -> list[tuple[datetime, datetime]]:
        """Open intervals that start on `day` or overlap it (a night from the eve included)."""
        folds = [
            _fold(self.rules, _day_of(day + timedelta(days=k), holidays)) for k in range(-2, 2)
        ]
        midnight = datetime.combine(day, time())
        return [
            (midnight + timedelta(minutes=start), midnight + timedelta(minutes=end))
            for start, end in _pieces(folds)
        ]

    def is_open(self, at: datetime, holidays: Collection[date] | None = None) -> bool:
        """Open at `at`, a naive Europe/Paris wall-clock time."""
        if at.tzinfo is not None:
            raise ValueError("Attendu : une heure locale naïve (Europe/Paris), sans fuseau.")
        return any(start <= at < end for start, end in self.intervals_on(at.date(), holidays))

    def status_at(self, at: datetime, holidays: Collection[date] | None = None) -> OpenStatus:
        ignored = holidays is None and self.mentions_holidays
        return OpenStatus(at=at, is_open=self.is_open(at, holidays), holidays_ignored=ignored)

    def open_on(self, day: date, holidays: Collection[date] | None = None) -> bool:
        """Some opening interval starts on `day` or overlaps it."""
        return bool(self.intervals_on(day, holidays))

    def open_on_weekday(self, weekday: int) -> bool:
        """Open on that weekday (0 = Monday) in at least one month, holidays not counted."""
        if not 0 <= weekday <= 6:
            raise ValueError(f"Jour de la semaine invalide : {weekday} (attendu de 0 à 6).")
        for month in _months_used(self.rules):
            folds = [_fold(self.rules, _Day((weekday + k) % 7, month, False)) for k in range(-2, 2)]
            if _pieces(folds):
                return True
        return False


class _Day(NamedTuple):
    weekday: int
    month: int
    holiday: bool


class _Fold(NamedTuple):
    spans: tuple[tuple[int, int, int], ...]  # start, end, index of the rule that opened it
    reset: int  # index of the last rule that replaced the day, -1 if none
    cuts: tuple[tuple[int, int, int], ...]  # start, end, index of an "off" rule with times
    notes: tuple[str, ...]
    unknown: bool  # replaced by a rule that only carries a comment


def _day_of(day: date, holidays: Collection[date] | None) -> _Day:
    return _Day(day.weekday(), day.month, holidays is not None and day in holidays)


def _months_used(rules: Sequence[Rule]) -> range:
    """Months worth evaluating one by one: all twelve only if some rule selects months."""
    return range(1, 13) if any(rule.months is not None for rule in rules) else range(1, 2)


def _fold(rules: Sequence[Rule], day: _Day) -> _Fold:
    """Apply the rules in order to one day, as the spec reads them."""
    spans: list[tuple[int, int, int]] = []
    cuts: list[tuple[int, int, int]] = []
    notes: list[str] = []
    reset, unknown = -1, False
    for index, rule in enumerate(rules):
        if not rule.matches(day):
            continue
        if rule.state == "closed" and rule.spans:
            cuts += [(start, end, index) for start, end in rule.spans]
            continue
        opened = (rule.spans or ((0, DAY),)) if rule.state == "open" else ()
        if rule.additional and rule.state == "open":
            spans += [(start, end, index) for start, end in opened]
        else:
            spans = [(start, end, index) for start, end in opened]
            reset, notes, unknown = index, [], rule.state == "unknown"
        if rule.comment:
            notes.append(rule.comment)
    return _Fold(tuple(spans), reset, tuple(cuts), tuple(notes), unknown)


def _effective(before: _Fold, here: _Fold, after: _Fold) -> list[tuple[int, int]]:
    """The day's own spans, minus what later rules of this day or its neighbours close."""
    cuts = list(here.cuts)
    cuts += [(start - DAY, end - DAY, j) for start, end, j in before.cuts if end > DAY]
    cuts += [(start + DAY, end + DAY, j) for start, end, j in after.cuts]
    if after.reset >= 0:
        cuts.append((DAY, 2 * DAY, after.reset))
    kept: list[tuple[int, int]] = []
    for start, end, index in here.spans:
        pieces = [(start, end)]
        for cut_start, cut_end, j in cuts:
            if j > index:  # only a later rule closes what an earlier one opened
                pieces = [
                    piece
                    for s, e in pieces
                    for piece in ((s, min(e, cut_start)), (max(s, cut_end), e))
                    if piece[0] < piece[1]
                ]
        kept += pieces
    return _merge(kept)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _pieces(folds: Sequence[_Fold]) -> list[tuple[int, int]]:
    """Intervals touching day 2 of four consecutive folds, in minutes from that day's midnight."""
    eve = [(s - DAY, e - DAY) for s, e in _effective(*folds[0:3]) if e > DAY]
    return eve + [(s, e) for s, e in _effective(*folds[1:4]) if s < DAY]


# --- parsing -------------------------------------------------------------------------------


class _Token(NamedTuple):
    kind: str  # comment, always, time, weekday, month, ph, state, sep
    value: str | int
    pos: int
    raw: str


def parse(text: str) -> OpeningHours:
    """Parse an opening_hours value; raise OpeningHoursError (French message) otherwise."""
    if not text or not text.strip():
        raise OpeningHoursError("empty", "", "Les horaires sont vides.")
    return OpeningHours(rules=_Parser(text).rules(), source=text)


def _part_at(text: str, pos: int) -> str:
    """The whitespace-delimited chunk around `pos`, to name the bad part in a message."""
    start = max(text.rfind(" ", 0, pos), text.rfind(";", 0, pos)) + 1
    ends = [i for i in (text.find(" ", pos), text.find(";", pos)) if i >= 0]
    return text[start : min(ends, default=len(text))].strip() or text[pos:].strip()


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos, text = 0, text.rstrip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None or match.lastgroup is None:
            bad = len(text) - len(text[pos:].lstrip())
            part = _part_at(text, bad)
            if text[bad] == '"':
                raise OpeningHoursError("syntax", part, f"Guillemet non fermé dans « {part} ».")
            raise OpeningHoursError(
                "syntax", part, f"« {part} » n'est pas de la syntaxe opening_hours reconnue."
            )
        kind = match.lastgroup
        tokens.append(_classify(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


def _classify(kind: str, raw: str, pos: int) -> _Token:
    if kind == "comment":
        return _Token("comment", raw.strip('"').strip(), pos, raw)
    if kind == "sep":
        return _Token("sep", "-" if raw in "–—" else raw, pos, raw)
    if kind != "word":
        return _Token(kind, raw, pos, raw)
    if raw.lower() in _WORDS:
        return _Token(*_WORDS[raw.lower()], pos, raw)
    if raw.lower() in _UNSUPPORTED:
        what = _UNSUPPORTED[raw.lower()]
        raise OpeningHoursError("unsupported", raw, f"« {raw} » ({what}) n'est pas pris en charge.")
    message = (
        f"« {raw} » n'est ni un jour (Mo … Su), ni un mois (Jan … Dec), ni un mot-clé reconnu."
    )
    raise OpeningHoursError("unknown_word", raw, message)


def _cycle(first: int, last: int, size: int, base: int) -> set[int]:
    """first..last inclusive on a cycle (Fr-Mo, Nov-Feb)."""
    if first <= last:
        return set(range(first, last + 1))
    return set(range(first, base + size)) | set(range(base, last + 1))


def _minutes(raw: str, *, end: bool) -> int:
    hours, minutes = (int(x) for x in raw.split(":"))
    value = hours * 60 + minutes
    if minutes > 59 or value > (2 * DAY if end else DAY - 1):
        bound = "00:00 et 48:00 pour une fin" if end else "00:00 et 23:59 pour un début"
        raise OpeningHoursError(
            "invalid_time", raw, f"Heure invalide « {raw} » : attendue entre {bound}."
        )
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def at(self, kind: str, value: object = None, ahead: int = 0) -> bool:
        k = self.i + ahead
        if k >= len(self.tokens) or self.tokens[k].kind != kind:
            return False
        return value is None or self.tokens[k].value == value

    def take(self) -> _Token:
        self.i += 1
        return self.tokens[self.i - 1]

    def unexpected(self) -> OpeningHoursError:
        token = self.tokens[self.i]
        part = _part_at(self.text, token.pos)
        if token.value == "||":
            return OpeningHoursError(
                "unsupported", "||", "Les règles de repli « || » ne sont pas prises en charge."
            )
        message = f"« {token.raw} » est inattendu ici, dans « {part} » (caractère {token.pos + 1})."
        return OpeningHoursError("unexpected", part, message)

    def rules(self) -> tuple[Rule, ...]:
        rules, additional = [], False
        while True:
            rules.append(self.rule(additional))
            if self.i == len(self.tokens):
                return tuple(rules)
            if not (self.at("sep", ";") or self.at("sep", ",")):
                raise self.unexpected()
            additional = self.take().value == ","
            if self.i == len(self.tokens):
                return tuple(rules)

    def rule(self, additional: bool) -> Rule:
        start = self.i
        months = self.selector("month", 12, 1)
        if months is not None and self.at("sep", ":"):
            self.take()
        public_holidays = False
        weekdays = self.selector("weekday", 7, 0)
        if weekdays is not None:
            public_holidays = -1 in weekdays
            weekdays = weekdays - {-1}
        spans = self.spans()
        keyword = self.take().value if self.at("state") else None
        comment = str(self.take().value) if self.at("comment") else None
        if self.i == start:
            raise self.unexpected()
        state: State = "closed" if keyword == "closed" else "open"
        if keyword is None and comment and not spans:
            state = "unknown"
        return Rule(months, weekdays, public_holidays, spans, state, comment or None, additional)

    def selector(self, kind: str, size: int, base: int) -> frozenset[int] | None:
        """A comma list of items and ranges of `kind`; for weekdays, PH is the item -1."""
        if not (self.at(kind) or (kind == "weekday" and self.at("ph"))):
            return None
        chosen: set[int] = set()
        while True:
            token = self.take()
            if token.kind == "ph":
                chosen.add(-1)
            elif self.at("sep", "-") and self.at(kind, ahead=1):
                self.take()
                chosen |= _cycle(int(token.value), int(self.take().value), size, base)
            else:
                chosen.add(int(token.value))
            more = self.at(kind, ahead=1) or (kind == "weekday" and self.at("ph", ahead=1))
            if not (self.at("sep", ",") and more):
                return frozenset(chosen)
            self.take()

    def spans(self) -> tuple[tuple[int, int], ...]:
        if self.at("always"):
            self.take()
            return ((0, DAY),)
        spans: list[tuple[int, int]] = []
        while self.at("time"):
            first = self.take()
            if not (self.at("sep", "-") and self.at("time", ahead=1)):
                part = _part_at(self.text, first.pos)
                raise OpeningHoursError(
                    "unsupported", part, f"« {part} » : une plage horaire s'écrit HH:MM-HH:MM."
                )
            self.take()
            start = _minutes(str(first.value), end=False)
            end = _minutes(str(self.take().value), end=True)
            spans.append((start, end + DAY if end <= start else end))
            if self.at("sep", ",") and self.at("time", ahead=1):
                self.take()
        return tuple(spans)


# --- French ----------------------------------------------------------------------------------


def _hhmm(minutes: int) -> str:
    minutes = minutes - DAY if minutes > DAY else minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _run_fr(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return f"{names[0]} et {names[1]}" if len(names) == 2 else f"{names[0]} – {names[-1]}"


def _day_fr(before: _Fold, here: _Fold, after: _Fold) -> str:
    spans = _effective(before, here, after)
    if spans == [(0, DAY)]:
        hours = "24 h/24"
    elif spans:
        hours = ", ".join(f"{_hhmm(start)}–{_hhmm(end)}" for start, end in spans)
    else:
        hours = "" if here.unknown and here.notes else "fermé"
    note = " ; ".join(here.notes)
    return f"{hours} ({note})" if hours and note else hours or note


def _months_fr(months: set[int]) -> str:
    gap = next(m for m in range(1, 13) if m not in months)
    runs: list[list[str]] = [[]]
    for k in range(12):
        month = (gap + k) % 12 + 1  # the months after a gap, in calendar order
        if month in months:
            runs[-1].append(MONTHS_FR[month - 1])
        elif runs[-1]:
            runs.append([])
    return ", ".join(_run_fr(run) for run in runs if run)


def _week_lines(week: Sequence[str], prefix: str) -> list[str]:
    if len(set(week)) == 1:
        return [f"{prefix or 'tous les jours'} : {week[0]}"]
    lines, first = [], 0
    for weekday in range(1, 8):
        if weekday == 7 or week[weekday] != week[first]:
            days = _run_fr(WEEKDAYS_FR[first:weekday])
            lines.append(f"{prefix}{', ' if prefix else ''}{days} : {week[first]}")
            first = weekday
    return lines


def describe_fr(oh: OpeningHours) -> list[str]:
    """Lines in French, day by day (« lundi – vendredi : 09:00–12:00, 14:00–18:00 »)."""
    seasons: dict[tuple[str, ...], set[int]] = {}
    holiday_labels: set[str] = set()
    for month in _months_used(oh.rules):
        folds = [_fold(oh.rules, _Day(w, month, False)) for w in range(7)]
        week = tuple(_day_fr(folds[w - 1], folds[w], folds[(w + 1) % 7]) for w in range(7))
        seasons.setdefault(week, set()).add(month)
        for w in range(7) if oh.mentions_holidays else ():
            holiday = _fold(oh.rules, _Day(w, month, True))
            holiday_labels.add(_day_fr(folds[w - 1], holiday, folds[(w + 1) % 7]))
    lines: list[str] = []
    for week, months in sorted(seasons.items(), key=lambda item: min(item[1])):
        lines += _week_lines(week, _months_fr(months) if len(seasons) > 1 else "")
    if holiday_labels:
        label = holiday_labels.pop() if len(holiday_labels) == 1 else "horaires particuliers"
        lines.append(f"jours fériés : {label}")
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
