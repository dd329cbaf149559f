"""French words for opening hours: days, months, weeks of pieces, what the description leaves out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import NamedTuple

DAY = 1440  # minutes in a day

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip

# What the week-by-week description cannot say, by the word or sign that shows it.
UNSUPPORTED_FR = {
    "number": "dates (jour du mois, année ou numéro de semaine)",
    "week": "numéros de semaine",
    "easter": "Pâques",
    "sh": "vacances scolaires",
    "sunrise": "heures solaires",
    "sunset": "heures solaires",
    "dawn": "heures solaires",
    "dusk": "heures solaires",
    "[": "n-ième jour du mois (Mo[1])",
    "+": "fin ouverte",
    "/": "répétition",
    "||": "règle de repli « || »",
    "(": "heures solaires décalées",
    "day": "décalage en jours",
    "days": "décalage en jours",
}


class Piece(NamedTuple):
    """A stretch of one day: minutes from its midnight (an end up to 2880), state, comment."""

    start: int
    end: int
    state: str  # "open" or "unknown"
    comment: str


def hhmm(minutes: int) -> str:
    minutes = minutes - DAY if minutes > DAY else minutes
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def day_fr(pieces: Sequence[Piece], closed_notes: Sequence[str] = ()) -> str:
    """One day's text: « 09:00–12:00, 14:00–18:00 », « 24 h/24 », « fermé » or a comment."""
    notes = list(dict.fromkeys(p.comment for p in pieces if p.comment))
    if not pieces:
        closed = list(dict.fromkeys(note for note in closed_notes if note))
        return f"fermé ({' ; '.join(closed)})" if closed else "fermé"
    if all(p.state == "unknown" for p in pieces) and [(p.start, p.end) for p in pieces] == [
        (0, DAY)
    ]:
        return " ; ".join(notes) or "horaires inconnus"
    if [(p.start, p.end) for p in pieces] == [(0, DAY)]:
        hours = "24 h/24"
    else:
        hours = ", ".join(f"{hhmm(p.start)}–{hhmm(p.end)}" for p in pieces)
    if not notes and any(p.state == "unknown" for p in pieces):
        notes = ["à confirmer"]
    return f"{hours} ({' ; '.join(notes)})" if notes else hours


def pieces_by_day(
    spans: Sequence[tuple[datetime, datetime, str, str]], first: date, days: int
) -> list[list[Piece]]:
    """Each day's pieces; a night that ends the next day belongs to the day it starts on."""
    by_day: list[list[Piece]] = [[] for _ in range(days)]
    origin = datetime.combine(first, time())
    for begin, end, state, comment in spans:
        start = int((begin - origin).total_seconds() // 60)
        stop = int((end - origin).total_seconds() // 60)
        index, offset = divmod(start, DAY)
        cuts = [(start, stop)]
        if not offset or stop > (index + 2) * DAY:  # whole days: one piece per day
            cuts = [(s, min(stop, (s // DAY + 1) * DAY)) for s in midnights(start, stop)]
        for s, e in cuts:
            index = s // DAY
            if 0 <= index < days:
                by_day[index].append(Piece(s - index * DAY, e - index * DAY, state, comment))
    return by_day


def midnights(start: int, stop: int) -> list[int]:
    """`start`, then every midnight before `stop` (minutes)."""
    return [start, *range((start // DAY + 1) * DAY, stop, DAY)]


def _run_fr(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return f"{names[0]} et {names[1]}" if len(names) == 2 else f"{names[0]} – {names[-1]}"


def months_fr(months: set[int]) -> str:
    """« septembre – juin », « juillet et août »: runs of months, wrapping the new year."""
    gap = next((m for m in range(1, 13) if m not in months), 1)
    runs: list[list[str]] = [[]]
    for k in range(12):
        month = (gap + k) % 12 + 1  # the months after a gap, in calendar order
        if month in months:
            runs[-1].append(MONTHS_FR[month - 1])
        elif runs[-1]:
            runs.append([])
    return ", ".join(_run_fr(run) for run in runs if run)


def week_lines(week: Sequence[str], prefix: str) -> list[str]:
    """Runs of equal days: « lundi – vendredi : 09:00–18:00 », « samedi et dimanche : fermé »."""
    if len(set(week)) == 1:
        return [f"{prefix or 'tous les jours'} : {week[0]}"]
    lines, first = [], 0
    for weekday in range(1, 8):
        if weekday == 7 or week[weekday] != week[first]:
            days = _run_fr(WEEKDAYS_FR[first:weekday])
            lines.append(f"{prefix}{', ' if prefix else ''}{days} : {week[first]}")
            first = weekday
    return lines


def unsupported_fr(parts: Sequence[str]) -> str:
    """The sentence for a valid value the description leaves out, naming what it uses."""
    what = list(dict.fromkeys(UNSUPPORTED_FR.get(part.lower(), part) for part in parts))
    return (
        f"Syntaxe non prise en charge par la description ({', '.join(what)}) : les horaires "
        "sont affichés tels quels, l'état ouvert ou fermé reste calculé."
    )
