"""Files an applicant might upload, ordinary and hostile, made in memory in a few milliseconds."""

import io
import struct
import zipfile
import zlib

import openpyxl
from odfdo import Document as OdfDocument
from odfdo import Paragraph
from reportlab.pdfgen import canvas

# The antivirus test string, in two halves so that no scanner quarantines this source file.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-" + b"STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
assert len(EICAR) == 68


def pdf(text: str = "Statuts de l'association") -> bytes:
    """A real one-page PDF, as office software writes them."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 770, text)
    page.save()
    return buffer.getvalue()


def pdf_with(*objects: bytes) -> bytes:
    """A small PDF whose catalogue and extra objects are given (enough for every reader's parser)."""
    body = b"%PDF-1.7\n"
    for number, obj in enumerate(objects, start=1):
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def object_stream(content: bytes, filters: bytes = b"/Filter /FlateDecode") -> bytes:
    data = zlib.compress(content) if b"Flate" in filters else content.hex().encode() + b">"
    return (
        b"<< /Type /ObjStm /N 1 /First 4 %s /Length %d >>\nstream\n" % (filters, len(data))
        + data
        + b"\nendstream"
    )


def png(text_chunk: bytes = b"") -> bytes:
    """A 1×1 PNG, with a tEXt chunk if given."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    text = chunk(b"tEXt", b"Comment\x00" + text_chunk) if text_chunk else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + text
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def docx(**extra: bytes) -> bytes:
    """A minimal Word document (the members Word needs to open it), with extra members:
    word__media__logo__png=… is the member "word/media/logo.png" (the last "__" is the dot)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        zf.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Budget</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
        for name, data in extra.items():
            head, _, extension = name.rpartition("__")
            zf.writestr(f"{head.replace('__', '/')}.{extension}", data)
    return buffer.getvalue()


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Poste", "Montant"])
    book.active.append(["Découpeuse laser", 12000])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def odt() -> bytes:
    document = OdfDocument("text")
    document.body.append(Paragraph("Lettre de soutien de la commune"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_with_macro() -> bytes:
    """An OpenDocument text carrying a Basic macro library, as LibreOffice stores one."""
    source = zipfile.ZipFile(io.BytesIO(odt()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for member in source.infolist():
            zf.writestr(member, source.read(member))
        zf.writestr("Basic/Standard/Module1.xml", '<script:module>Shell("calc")</script:module>')
    return buffer.getvalue()


def zip_bomb_docx(megabytes: int = 200) -> bytes:
    """A Word-looking file whose document part is `megabytes` of zeros (≈ 200 KB compressed)."""
    buffer = io.BytesIO()
    zeros = b"\x00" * (1024 * 1024)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(megabytes):
                member.write(zeros)
    return buffer.getvalue()


def ole_document(*, macros: bool) -> bytes:
    """The start of a Word 97 file (compound file header, Word's signature at 512), with the
    directory entry of a VBA project when it carries macros."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    word = b"\xec\xa5\xc1\x00" + b"\x00" * 1020
    directory = "Root Entry".encode("utf-16-le") + b"\x00" * 64
    if macros:
        directory += "Macros".encode("utf-16-le") + b"\x00" * 8
        directory += "_VBA_PROJECT".encode("utf-16-le") + b"\x00" * 8
    return header + word + directory


def raw_stream(data: bytes) -> bytes:
    """An unfiltered stream object (an image's or a font's bytes, say)."""
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"
