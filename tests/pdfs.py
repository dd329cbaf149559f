"""Reading back the PDFs Pollen writes (ReportLab, standard fonts), as a reader would."""

import base64
import re
import zlib

_STREAM = re.compile(
    rb"<<(?P<dict>(?:(?!>>\s*stream).)*?)>>\s*stream\r?\n(?P<data>.*?)\r?\n?endstream", re.S
)


def _contents(pdf: bytes) -> bytes:
    """Every stream's bytes, decoded from ReportLab's ASCII85 and Flate filters."""
    parts = [pdf]
    for match in _STREAM.finditer(pdf):
        data = match.group("data")
        if b"/ASCII85Decode" in match.group("dict"):
            data = base64.a85decode(data.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in match.group("dict"):
            data = zlib.decompress(data)
        parts.append(data)
    return b"\n".join(parts)


def pdf_text(pdf: bytes) -> str:
    """What the PDF writes with Tj, one space between lines (standard fonts only)."""
    strings = re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", _contents(pdf))

    def unescape(match: re.Match[bytes]) -> bytes:
        code = match.group(1)
        return bytes([int(code, 8)]) if code[:1].isdigit() else code

    return " ".join(re.sub(rb"\\([0-7]{1,3}|.)", unescape, s).decode("cp1252") for s in strings)
