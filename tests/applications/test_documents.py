"""The upload inspector on its own: ordinary documents pass, hostile ones are refused with a reason."""

import socket
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pollen.applications.documents import (
    DocumentRejected,
    ScannerUnavailable,
    download_name,
    inspect_upload,
)
from pollen.demo.management.commands.load_demo import pdf_bytes
from tests.applications import samples
from tests.builders import PDF

pytestmark = pytest.mark.django_db


def inspect(data: bytes, name: str = "piece.pdf") -> str:
    return inspect_upload(SimpleUploadedFile(name, data))


def refusal(data: bytes, name: str = "piece.pdf") -> str:
    with pytest.raises(DocumentRejected) as refused:
        inspect(data, name)
    return str(refused.value)


ORDINARY = {
    "builders' PDF": (PDF + b"rib", "application/pdf"),
    "demo PDF": (pdf_bytes("Statuts — Fablab"), "application/pdf"),
    "reportlab PDF": (samples.pdf(), "application/pdf"),
    "PNG": (samples.png(), "image/png"),
    "PNG with a comment": (samples.png(b"Scan 2026-03-01"), "image/png"),
    "docx": (
        samples.docx(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "docx with a chart's workbook": (
        samples.docx(word__embeddings__Microsoft_Excel_Worksheet__xlsx=samples.xlsx()),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (
        samples.xlsx(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "odt": (samples.odt(), "application/vnd.oasis.opendocument.text"),
    "doc without macros": (samples.ole_document(macros=False), "application/msword"),
}


@pytest.mark.parametrize("name", ORDINARY)
def test_it_accepts_ordinary_documents(name):
    data, mime = ORDINARY[name]
    assert inspect(data) == mime


@pytest.mark.parametrize("name", ORDINARY)
def test_it_accepts_ordinary_documents_once_clamd_scanned_them(name, clamav):
    data, mime = ORDINARY[name]
    assert inspect(data) == mime


HOSTILE = {
    "PDF opening on JavaScript": (
        samples.pdf_with(
            b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
        ),
        "/JS, /JavaScript",
    ),
    "PDF with an escaped name": (
        samples.pdf_with(b"<< /Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (x) >> >>"),
        "/JS, /JavaScript",
    ),
    "PDF launching a program": (
        samples.pdf_with(b"<< /Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >> >>"),
        "/Launch",
    ),
    "PDF with additional actions": (
        samples.pdf_with(b"<< /Type /Catalog /AA << /O 2 0 R >> >>", b"<< /S /URI >>"),
        "/AA",
    ),
    "PDF hiding JavaScript in a compressed object stream": (
        samples.pdf_with(
            b"<< /Type /Catalog >>",
            samples.object_stream(b"3 0 << /S /JavaScript /JS (app.alert(1)) >>"),
        ),
        "/JS, /JavaScript",
    ),
    "PDF whose object stream is not zlib": (
        samples.pdf_with(
            b"<< /Type /Catalog >>",
            samples.object_stream(b"3 0 << /JS (x) >>", filters=b"/Filter /ASCIIHexDecode"),
        ),
        "ne peut pas être lue",
    ),
    "encrypted PDF with object streams": (
        samples.pdf_with(
            b"<< /Type /Catalog >>",
            b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length 16 >>\nstream\n"
            + bytes(range(16))
            + b"\nendstream",
            b"<< /Filter /Standard /V 2 /R 3 >>",
        ).replace(b"/Root 1 0 R", b"/Root 1 0 R /Encrypt 3 0 R"),
        "protégé par son auteur",
    ),
    "PDF/HTML polyglot": (
        b"%PDF-1.4\n<html><script>fetch('/compte/')</script></html>\n" + PDF[9:],
        "code de page web",
    ),
    "PDF with HTML after its end": (
        PDF + b"\n<!DOCTYPE html><body onload=x()>",
        "code de page web",
    ),
    "PNG with a script in its comment": (
        samples.png(b"<script>alert(document.cookie)</script>"),
        "code de page web",
    ),
    "zip bomb named .docx": (samples.zip_bomb_docx(), "démesurément grand"),
    "docx with too many members": (
        samples.docx(**{f"word__media__image{i}__png": b"x" for i in range(1001)}),
        "plus de 1000 fichiers",
    ),
    "docx with a zip inside": (
        samples.docx(word__media__archive__zip=samples.docx()),
        "archive dans l'archive",
    ),
    "docx with a zip inside the embedded workbook": (
        samples.docx(word__embeddings__book__xlsx=samples.docx(word__inner__zip=samples.docx())),
        "archive dans l'archive",
    ),
    "docm renamed docx": (samples.docx(word__vbaProject__bin=b"\x00" * 64), "macros"),
    "odt with a Basic macro": (samples.odt_with_macro(), "macros"),
    "doc with macros": (samples.ole_document(macros=True), "macros"),
    "corrupted docx": (samples.docx()[:-200] + b"\x00" * 200, "endommagé"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_it_refuses_hostile_files_and_says_why(name, caplog):
    data, reason = HOSTILE[name]
    with caplog.at_level("WARNING", logger="pollen.uploads"):
        assert reason in refusal(data, "rapport.pdf")
    # The log line names what was found, never the file's name.
    assert "upload refused" in caplog.text and "rapport" not in caplog.text


def test_a_zip_bomb_is_refused_quickly_even_when_it_lies_about_its_sizes():
    bomb = samples.zip_bomb_docx(150)
    # Declared sizes rewritten to look small: the bytes actually inflated are counted.
    lying = bomb.replace((150 * 1024 * 1024).to_bytes(8, "little"), (1024).to_bytes(8, "little"))
    assert lying != bomb
    assert any(word in refusal(lying) for word in ("démesurément", "endommagé"))


def test_the_expansion_limit_is_a_setting(settings):
    settings.UPLOAD_MAX_EXPANDED_BYTES = 100 * 1024
    big = samples.docx(word__document2__xml=b"<w:t>" + b"budget " * 30_000 + b"</w:t>")
    assert "démesurément grand" in refusal(big)


def test_eicar_in_a_pdf_is_refused_with_the_signature_name(clamav, caplog):
    infected = samples.pdf_with(b"<< /Type /Catalog >>", b"(" + samples.EICAR + b")")
    with caplog.at_level("WARNING", logger="pollen.uploads"):
        message = refusal(infected, "devis.pdf")
    assert "Eicar-Test-Signature" in message and "antivirus" in message
    assert "virus Eicar-Test-Signature" in caplog.text and "devis" not in caplog.text


def test_eicar_inside_an_office_document_is_found_too(clamav):
    infected = samples.docx(word__media__note__txt=samples.EICAR)
    assert "Eicar-Test-Signature" in refusal(infected)


def test_a_scanner_that_is_down_refuses_with_a_message_to_retry(settings, tmp_path):
    settings.POLLEN_CLAMAV = f"unix://{tmp_path / 'nobody-listens.sock'}"
    with pytest.raises(ScannerUnavailable, match="Réessayez dans quelques minutes"):
        inspect(samples.pdf())


def test_a_scanner_that_does_not_answer_in_time_refuses(settings):
    silent = socket.socket()  # accepts connections (the backlog does) and never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        settings.POLLEN_CLAMAV = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
        settings.POLLEN_CLAMAV_TIMEOUT = 0.3
        with pytest.raises(ScannerUnavailable):
            inspect(samples.pdf())
    finally:
        silent.close()


def test_without_a_scanner_nothing_is_scanned(settings):
    settings.POLLEN_CLAMAV = ""
    # The test string alone is not a document type; inside a PDF nothing here looks for it.
    assert inspect(samples.pdf_with(b"<< /Type /Catalog >>", b"(" + samples.EICAR + b")"))


@pytest.mark.parametrize(
    ("uploaded", "mime", "served"),
    [
        ("rapport.html", "application/pdf", "rapport.pdf"),
        ("budget.PDF.exe", "application/vnd.ms-excel", "budget.PDF.xls"),
        ("..\\..\\photo", "image/jpeg", "photo.jpg"),
        ("", "image/png", "document.png"),
    ],
)
def test_a_document_is_served_with_its_detected_extension(uploaded, mime, served):
    assert download_name(uploaded, mime) == served


def test_an_object_stream_bomb_is_refused(settings):
    settings.UPLOAD_MAX_EXPANDED_BYTES = 1024 * 1024
    bomb = samples.pdf_with(b"<< /Type /Catalog >>", samples.object_stream(b" " * 5_000_000))
    assert len(bomb) < 20_000
    assert zlib.decompress(bomb.split(b"stream\n")[1].split(b"\nendstream")[0])
    assert "démesurément grand" in refusal(bomb)


def test_names_that_binary_streams_spell_by_chance_are_not_taken_for_scripts():
    # Random bytes spell "/AA" or "/JS" every few megabytes; an image's data is not a dictionary.
    image = bytes(range(256)).replace(b"/", b"") * 40 + b"/AA /JS\x00/Launch]"
    assert inspect(samples.pdf_with(b"<< /Type /Catalog >>", samples.raw_stream(image)))


def test_an_action_hidden_inside_a_stream_body_is_still_found():
    hidden = samples.raw_stream(b"9 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj")
    assert "/JavaScript" in refusal(samples.pdf_with(b"<< /Type /Catalog >>", hidden))
