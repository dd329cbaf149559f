"""The text of an opening_hours value before the library reads it: tokens, fixes, rewrites."""

from __future__ import annotations

import re
from collections.abc import Iterator

WEEKDAY_CODES = ("mo", "tu", "we", "th", "fr", "sa", "su")
MONTH_CODES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
STATES = {"open", "closed", "off", "unknown"}
DESCRIBED_WORDS = {*WEEKDAY_CODES, *MONTH_CODES, "ph", *STATES}
TOKEN_RE = re.compile(
    r'(?P<comment>"[^"]*")|(?P<always>24/7)|(?P<time>\d{1,2}:\d{2})|(?P<word>[^\W\d_]+)'
    r"|(?P<number>\d+)|(?P<sep>\|\||[;,:\-–—+/\[\]()])|(?P<space>\s+)|(?P<other>.)"
)


class OpeningHoursError(ValueError):
    """A value the library refuses: a stable `code`, the bad `part`, a French message."""

    def __init__(self, code: str, part: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.part = part


def tokens(text: str) -> Iterator[tuple[str, str]]:
    for match in TOKEN_RE.finditer(text):
        kind = match.lastgroup or "other"
        yield kind, match.group(kind)


def lenient(text: str) -> str:
    """The tolerated fixes: dashes, spaces, case, a missing space, spans separated by spaces,
    a month's day list (``Dec 25,26``, which opening_hours.js reads and the library does not)."""
    parts = re.sub(r"\s+", " ", text).strip().split('"')
    for k in range(0, len(parts), 2):  # outside the comments only
        part = re.sub(r"[–—]", "-", parts[k])
        part = re.sub(r" ?- ?", "-", part)
        part = re.sub(r" ?, ?", ",", part)
        part = re.sub(r" ?; ?", "; ", part)
        part = re.sub(r"(?<=[A-Za-z])(?=\d{1,2}:\d{2})", " ", part)
        part = re.sub(r"(\d{1,2}:\d{2}) (?=\d{1,2}:\d{2})", r"\1,", part)
        part = re.sub(r"[^\W\d_]+", _spelled, part)
        parts[k] = re.sub(r"\b([A-Z][a-z]{2}) (\d{1,2}(?:,\d{1,2}\b(?!:))+)", _month_days, part)
    return '"'.join(parts).strip().rstrip(";,").strip()


def _month_days(found: re.Match[str]) -> str:
    month = found.group(1)
    if month.lower() not in MONTH_CODES:
        return found.group()
    return ",".join(f"{month} {day}" for day in found.group(2).split(","))


def _spelled(word: re.Match[str]) -> str:
    """The specification's case for a known word (``mo`` → ``Mo``, ``ph`` → ``PH``, ``OFF`` → ``off``)."""
    lower = word.group().lower()
    if lower in WEEKDAY_CODES or lower in MONTH_CODES:
        return lower.capitalize()
    if lower in ("ph", "sh"):
        return lower.upper()
    return lower if lower in STATES else word.group()


def _rules(text: str) -> Iterator[list[tuple[str, str]]]:
    """The tokens of each rule, separators included (a ``,`` after a time or a state too)."""
    rule: list[tuple[str, str]] = []
    previous = ""
    found = list(tokens(text))
    following = [
        next((k for k, _v in found[i + 1 :] if k != "space"), "") for i in range(len(found))
    ]
    for (kind, value), after in zip(found, following, strict=True):
        lower = value.lower()
        additional = value == "," and previous == "end" and after != "time"
        if kind == "sep" and (value in (";", "||") or additional):
            yield rule
            rule = []
        rule.append((kind, value))
        if kind != "space":
            ends = kind in ("time", "always", "comment") or lower in STATES or value == "+"
            previous = "end" if ends else kind
    yield rule


def _only_open_ends(rule: list[tuple[str, str]]) -> bool:
    """The rule's times are all open ends (``18:00+``), none a range (``18:00-20:00+``)."""
    solid = [(k, v) for k, v in rule if k != "space"]
    starts = [
        solid[i + 1][1] if i + 1 < len(solid) else ""
        for i, (kind, _value) in enumerate(solid)
        if kind == "time" and (i == 0 or solid[i - 1][1] != "-")
    ]
    return bool(starts) and all(after == "+" for after in starts)


def with_unknown(text: str) -> str:
    """Make ``unknown`` what opening_hours.js calls so: a rule with a comment and no state, a rule
    whose times are all open ends (``Su 10:00+``)."""
    out: list[str] = []
    for rule in _rules(text):
        if any(kind == "word" and value.lower() in STATES for kind, value in rule):
            out += [value for _kind, value in rule]
        elif any(kind == "comment" for kind, _value in rule):
            at = next(i for i, (kind, _value) in enumerate(rule) if kind == "comment")
            out += [value for _kind, value in rule[:at]] + ["unknown "]
            out += [value for _kind, value in rule[at:]]
        elif _only_open_ends(rule):
            body = "".join(value for _kind, value in rule)
            out.append(body.rstrip() + " unknown" + body[len(body.rstrip()) :])
        else:
            out += [value for _kind, value in rule]
    return "".join(out)


def calendar_scope(text: str) -> str:
    """What a value's weeks depend on: "" (nothing), "months" or "year" (dates, weeks, Easter)."""
    scope = ""
    for kind, value in tokens(text):
        lower = value.lower()
        if kind == "number" or lower in ("week", "easter", "sh", "["):
            return "year"
        if kind == "word" and lower in MONTH_CODES:
            scope = "months"
    return scope


def uses_sun(text: str) -> bool:
    return any(
        kind == "word" and value.lower() in ("sunrise", "sunset", "dawn", "dusk")
        for kind, value in tokens(text)
    )


def fallback_parts(text: str) -> list[str]:
    """The text cut at each ``||`` outside comments."""
    parts: list[str] = []
    current: list[str] = []
    for kind, value in tokens(text):
        if kind == "sep" and value == "||":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(value)
    return [*parts, "".join(current).strip()]


def unsupported(text: str) -> tuple[str, ...]:
    parts: list[str] = []
    for kind, value in tokens(text):
        if kind == "number" or (kind == "word" and value.lower() not in DESCRIBED_WORDS):
            parts.append("number" if kind == "number" else value)
        elif kind in ("sep", "other") and value not in (";", ",", ":", "-", "–", "—"):
            parts.append(value)
    return tuple(dict.fromkeys(parts))


def _part_at(text: str, pos: int) -> str:
    """The whitespace-delimited chunk around `pos`, to name the bad part in a message."""
    pos = min(max(pos, 0), max(len(text) - 1, 0))
    end = text.find(" ", pos)
    return text[text.rfind(" ", 0, pos) + 1 : end if end >= 0 else len(text)]


def invalid(text: str, error: Exception) -> OpeningHoursError:
    found = re.search(r"--> \d+:(\d+)", str(error))
    column = int(found.group(1)) if found else 1
    part = _part_at(text, column - 1)
    return OpeningHoursError(
        "invalid",
        part,
        f"Horaires invalides : « {part} » (caractère {column}) n'est pas de la syntaxe "
        "opening_hours d'OpenStreetMap.",
    )
