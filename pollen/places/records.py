"""A place as read from a source, checked and normalised before anything is written."""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from pollen.accounts.models import Machine
from pollen.domain.territory.opening_hours import OpeningHoursError, parse
from pollen.places.models import PlaceKind

# Metropolitan France (Corsica included) and each overseas département, as (lat, lon) boxes.
FRANCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "metro": (41.0, 51.5, -5.5, 10.0),
    "971": (15.8, 16.55, -61.85, -60.95),
    "972": (14.35, 14.9, -61.25, -60.8),
    "973": (2.1, 5.8, -54.65, -51.6),
    "974": (-21.4, -20.85, 55.2, 55.85),
    "976": (-13.05, -12.6, 44.95, 45.35),
}

# Words a source may use for a machine, matched on the accent-free lower-case text.
MACHINE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Machine.LASER_CUTTER, ("laser",)),
    (Machine.PRINTER_3D, ("3d", "3 d", "impression 3")),
    (Machine.CNC_MILL, ("fraiseuse", "cnc", "fraisage", "shapeoko", "router")),
    (Machine.VINYL_CUTTER, ("vinyle", "vinyl", "plotter", "plotteur", "traceur de decoupe")),
    (Machine.EMBROIDERY, ("brodeuse", "broderie", "embroider")),
    (Machine.ELECTRONICS, ("electronique", "electronics", "arduino", "soudure", "raspberry")),
    (Machine.WOOD, ("bois", "wood", "menuiserie")),
)
MACHINE_CODES = frozenset(m.value for m in Machine if m != Machine.OTHER)
_LIST_SEPARATORS = re.compile(r"[;|]")
_SPACES = re.compile(r"\s+")
_TAGS = re.compile(r"<br\s*/?>|<[^>]+>", re.IGNORECASE)


def plain(text: str) -> str:
    """Lower-case, accent-free text for matching words."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def clean_text(value: Any, limit: int = 300) -> str:
    """One line of text: HTML line breaks become commas, runs of spaces one space."""
    if value is None:
        return ""
    text = _TAGS.sub(", ", str(value))
    text = _SPACES.sub(" ", text).strip(" ,")
    return text[:limit]


def split_list(value: Any) -> list[str]:
    """A list given as a JSON list or as text separated by ';' or '|'."""
    if value is None:
        return []
    items = value if isinstance(value, list) else _LIST_SEPARATORS.split(str(value))
    return [clean_text(item, 200) for item in items if clean_text(item, 200)]


def in_france(lat: float, lon: float) -> bool:
    return any(
        south <= lat <= north and west <= lon <= east
        for south, north, west, east in FRANCE_BOXES.values()
    )


def parse_coordinate(value: Any) -> float | None:
    """A coordinate as a float ('47,99' accepted), None when empty or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def normalise_machines(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Known machine codes, and the names that match none of them (kept, not lost)."""
    codes: list[str] = []
    others: list[str] = []
    for name in names:
        text = clean_text(name, 100)
        if not text:
            continue
        key = plain(text).replace("_", " ").strip()
        code = text if text in MACHINE_CODES else _machine_of(key)
        if code is None:
            if text not in others:
                others.append(text)
        elif code not in codes:
            codes.append(code)
    return codes, others


def _machine_of(key: str) -> str | None:
    labels = {plain(str(m.label)): m.value for m in Machine if m != Machine.OTHER}
    if key in labels:
        return labels[key]
    for code, words in MACHINE_WORDS:
        if any(word in key for word in words):
            return code
    return None


def check_opening_hours(text: str) -> tuple[bool, str]:
    """(parsed, French error): an unreadable value is kept as text, never refused."""
    if not text.strip():
        return True, ""
    try:
        parse(text)
    except OpeningHoursError as exc:
        return False, str(exc)[:300]
    return True, ""


def clean_website(value: Any) -> str:
    """An http(s) address, or '' (a bare domain gets https://; other schemes are dropped)."""
    text = clean_text(value, 300)
    if not text or " " in text:
        return ""
    if re.match(r"^https?://", text, re.IGNORECASE):
        return text
    if "://" in text or ":" in text.split("/")[0]:
        return ""
    return f"https://{text}" if "." in text else ""


def clean_email(value: Any) -> str:
    text = clean_text(split_list(value)[0] if split_list(value) else "", 200)
    return text if re.fullmatch(r"[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+", text) else ""


def parse_date(value: Any) -> date | None:
    text = clean_text(value, 40)
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def kind_from_words(*texts: str) -> str | None:
    """A kind recognised in a name or a typology, or None."""
    key = plain(" ".join(texts))
    for kind, words in (
        (PlaceKind.FABLAB, ("fablab", "fab lab", "fab-lab")),
        (PlaceKind.HACKERSPACE, ("hackerspace", "hakerspace", "hacklab")),
        (PlaceKind.MAKERSPACE, ("makerspace", "maker space")),
        (PlaceKind.TIERS_LIEU, ("tiers-lieu", "tiers lieu", "tiers_lieu")),
    ):
        if any(word in key for word in words):
            return kind
    return None


@dataclass(frozen=True)
class PlaceRecord:
    """What a source says about one place; `None` means "the source says nothing, keep"."""

    source: str
    source_id: str
    name: str
    kind: str
    latitude: float
    longitude: float
    approximate: bool
    commune_id: str | None
    source_kind: str = ""
    address: str = ""
    postal_code: str = ""
    services: list[str] = field(default_factory=list)
    machines: list[str] | None = None
    other_machines: list[str] | None = None
    opening_hours: str = ""
    access_conditions: str = ""
    website: str = ""
    phone: str = ""
    email: str = ""
    siret: str = ""
    verified_on: date | None = None
    warnings: tuple[str, ...] = ()

    def fields(self) -> dict[str, Any]:
        """The model fields this record sets (machines only when the source names some)."""
        parsed, error = check_opening_hours(self.opening_hours)
        values: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "source_kind": self.source_kind,
            "address": self.address,
            "postal_code": self.postal_code,
            "commune_id": self.commune_id,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "approximate": self.approximate,
            "services": self.services,
            "opening_hours": self.opening_hours,
            "opening_hours_parsed": parsed,
            "opening_hours_error": error,
            "access_conditions": self.access_conditions,
            "website": self.website,
            "phone": self.phone,
            "email": self.email,
            "siret": self.siret,
            "verified_on": self.verified_on,
        }
        if self.machines is not None:
            values["machines"] = self.machines
        if self.other_machines is not None:
            values["other_machines"] = self.other_machines
        return values


@dataclass(frozen=True)
class SkippedRow:
    label: str
    reason: str


def outside_france_reason(lat: float, lon: float) -> str:
    return _("coordonnées hors de France (latitude %(lat)s, longitude %(lon)s) : lieu ignoré") % {
        "lat": f"{lat:g}",
        "lon": f"{lon:g}",
    }
