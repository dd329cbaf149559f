"""Active or hostile content in an accepted type: scripts in PDFs, polyglots, zip bombs, macros.

Each check reads bytes and returns a Hazard (a stable code for the logs, a French sentence for
the applicant) or None. What each one covers, and what it does not: docs/decisions/0007.
"""

import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Hazard:
    code: str
    message: str


# --- polyglots: a document that a browser would also read as HTML (or SVG) -------------------

EDGE = 1024
# At either end, where sniffers and lenient readers look (a PDF reader skips up to 1 KB of junk).
EDGE_MARKERS = re.compile(
    rb"<(?:!doctype|html|head|body|script|svg|iframe|object|embed)[\s>/]", re.IGNORECASE
)
# Anywhere in a PDF or an image: long enough never to occur by chance in compressed bytes.
DEEP_MARKERS = re.compile(rb"<(?:!doctype\s+html|html[\s>]|script|iframe)", re.IGNORECASE)


def polyglot(data: bytes, mime: str) -> Hazard | None:
    found = EDGE_MARKERS.search(data[:EDGE]) or EDGE_MARKERS.search(data[-EDGE:])
    if not found and not mime.startswith("application/vnd.") and mime != "application/msword":
        found = DEEP_MARKERS.search(data)
    if found:
        return Hazard(
            "polyglot",
            _(
                "Ce fichier contient aussi du code de page web (HTML ou SVG) : il est refusé par "
                "sécurité. Enregistrez le document à nouveau depuis son logiciel d'origine."
            ),
        )
    return None


# --- PDF: scripts and automatic actions ------------------------------------------------------

# Names whose presence means code or an action that runs without the reader's click.
ACTIVE_NAMES = {b"JS", b"JavaScript", b"Launch", b"AA", b"RichMedia", b"XFA"}
NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
STREAM = re.compile(rb"(?<!end)stream\r?\n")
STREAM_BODY = re.compile(rb">>\s*stream\r?\n")
# Inside stream bodies (images, fonts: binary) a bare "/AA" occurs by chance every few MB, so
# there only the shapes of an action are looked for: an object hidden there and reached
# through the cross-reference table still has to spell one of these to run.
ACTION_SHAPES = re.compile(rb"/S\s*/(?:JavaScript|Launch)|/(?:JS|JavaScript)\s*[(<]|/AA\s*<<")


def _names(data: bytes) -> set[bytes]:
    # /J#61vaScript is /JavaScript: PDF names may escape any byte.
    return {ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), m[1]) for m in NAME.finditer(data)}


def _outside_streams(data: bytes) -> tuple[bytes, list[bytes]]:
    """The file without its stream bodies (dictionaries, trailer…), and the bodies."""
    outside, bodies, position = [], [], 0
    while match := STREAM_BODY.search(data, position):
        end = data.find(b"endstream", match.end())
        end = len(data) if end == -1 else end
        outside.append(data[position : match.end()])
        bodies.append(data[match.end() : end])
        position = end
    outside.append(data[position:])
    return b"\n".join(outside), bodies


def _object_streams(data: bytes) -> list[tuple[set[bytes], bytes]]:
    """The dictionary names and raw body of every object stream (/Type /ObjStm)."""
    found = []
    for match in STREAM.finditer(data):
        start = data.rfind(b"obj", 0, match.start())
        names = _names(data[start : match.start()]) if start != -1 else set()
        if b"ObjStm" in names:
            end = data.find(b"endstream", match.end())
            found.append((names, data[match.end() : end if end != -1 else len(data)]))
    return found


def _unreadable(encrypted: bool) -> Hazard:
    if encrypted:
        return Hazard(
            "pdf-encrypted",
            _(
                "Ce PDF est protégé par son auteur, ce qui empêche de vérifier son contenu. "
                "Ouvrez-le, choisissez « Imprimer » puis « Enregistrer au format PDF », et "
                "joignez cette copie."
            ),
        )
    return Hazard(
        "pdf-unreadable",
        _(
            "Une partie de ce PDF ne peut pas être lue pour vérifier son contenu. Enregistrez-le "
            "à nouveau (« Imprimer » puis « Enregistrer au format PDF ») et joignez cette copie."
        ),
    )


def pdf_active_content(data: bytes, max_expanded: int) -> Hazard | None:
    outside, bodies = _outside_streams(data)
    names = _names(outside)
    for body in bodies:
        if shape := ACTION_SHAPES.search(body):
            names |= _names(shape[0]) & ACTIVE_NAMES
    budget = max_expanded
    # Dictionaries hidden in compressed object streams are read too (zlib, the only filter
    # PDF writers use for them); one that cannot be decoded is not waved through.
    for stream_names, body in _object_streams(data):
        filters = stream_names & {b"Filter"}
        if filters and not stream_names & {b"FlateDecode", b"Fl"}:
            return _unreadable(b"Encrypt" in names)
        if b"DecodeParms" in stream_names or b"DP" in stream_names:
            return _unreadable(b"Encrypt" in names)
        if not filters:
            names |= _names(body)
            continue
        decoder = zlib.decompressobj()
        try:
            text = decoder.decompress(body, budget + 1)
        except zlib.error:
            return _unreadable(b"Encrypt" in names)
        budget -= len(text)
        if budget < 0:
            return _bomb()
        names |= _names(text)
    active = names & ACTIVE_NAMES
    if active:
        return Hazard(
            "pdf-active",
            _(
                "Ce PDF contient du code ou une action automatique (%(names)s), refusés par "
                "sécurité. S'il s'agit d'un formulaire rempli (un Cerfa par exemple), ouvrez-le, "
                "choisissez « Imprimer » puis « Enregistrer au format PDF », et joignez cette copie."
            )
            % {"names": ", ".join(sorted("/" + n.decode("latin-1") for n in active))},
        )
    return None


# --- office documents (zip): bombs, nesting, macros ------------------------------------------

MAX_MEMBERS = 1000
# Expansion beyond this ratio to the file's size is a bomb, once past RATIO_FLOOR (tiny files
# with very repetitive XML are harmless whatever their ratio).
MAX_RATIO = 100
RATIO_FLOOR = 1024 * 1024
READ = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
# Charts in Word and PowerPoint embed the workbook they draw, a zip inside the zip.
EMBEDDINGS = "/embeddings/"


def _bomb() -> Hazard:
    return Hazard(
        "archive-bomb",
        _(
            "Une fois décompressé, ce document serait démesurément grand (fichier piégé ou "
            "corrompu) : il est refusé."
        ),
    )


def _macros() -> Hazard:
    return Hazard(
        "macros",
        _(
            "Ce document contient des macros, refusées par sécurité. Enregistrez-le sans macros "
            "(.docx, .xlsx, .odt, .ods ou PDF) et joignez cette copie."
        ),
    )


def _damaged() -> Hazard:
    return Hazard(
        "archive-damaged",
        _("Ce document est endommagé ou d'un format inattendu : il ne peut pas être vérifié."),
    )


class _Budget:
    def __init__(self, limit: int, compressed: int):
        self.left = limit
        self.ratio_left = max(RATIO_FLOOR, MAX_RATIO * compressed)

    def spend(self, n: int) -> bool:
        self.left -= n
        self.ratio_left -= n
        return self.left >= 0 and self.ratio_left >= 0


def archive(data: bytes, max_expanded: int) -> Hazard | None:
    try:
        return _archive(data, _Budget(max_expanded, len(data)), nested=False)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError):
        return _damaged()


def _archive(data: bytes, budget: _Budget, *, nested: bool) -> Hazard | None:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = zf.infolist()
        if len(members) > MAX_MEMBERS:
            return Hazard(
                "archive-members",
                _("Ce document contient plus de %(n)s fichiers internes : il est refusé.")
                % {"n": MAX_MEMBERS},
            )
        # The declared sizes first, so an honest bomb costs nothing to refuse.
        if not _Budget(budget.left, len(data)).spend(sum(m.file_size for m in members)):
            return _bomb()
        for member in members:
            name = member.filename
            if name.lower().endswith("vbaproject.bin") or name.startswith(("Basic/", "Scripts/")):
                return _macros()
            if member.flag_bits & 0x1:  # an encrypted member cannot be checked
                return _damaged()
            hazard = _member(zf, member, budget, nested=nested)
            if hazard:
                return hazard
    return None


def _member(
    zf: zipfile.ZipFile, member: zipfile.ZipInfo, budget: _Budget, *, nested: bool
) -> Hazard | None:
    kept = bytearray()
    with zf.open(member) as stream:
        head = stream.read(len(ZIP_MAGIC))
        inner = head == ZIP_MAGIC
        if inner and (nested or EMBEDDINGS not in "/" + member.filename):
            return Hazard(
                "archive-nested",
                _("Ce document contient une archive dans l'archive : il est refusé."),
            )
        chunk = head
        while chunk:
            if not budget.spend(len(chunk)):
                return _bomb()
            if inner:
                kept += chunk
            chunk = stream.read(READ)
    if inner:
        # The embedded workbook's expansion counts against the same budget.
        return _archive(bytes(kept), budget, nested=True)
    return None


# --- legacy Office (OLE compound files): VBA macros ------------------------------------------

VBA_STORAGE = "_VBA_PROJECT".encode("utf-16-le")


def ole_macros(data: bytes) -> Hazard | None:
    # Directory entries are UTF-16 names; a VBA project always has a "_VBA_PROJECT" stream.
    return _macros() if VBA_STORAGE in data else None
