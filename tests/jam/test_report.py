"""The report to the decision-maker: the same figures as a PDF to read and an ODT to edit."""

import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from reportlab import rl_config

from pollen.jam.demo import BERCY_GROUPS
from pollen.jam.models import Lever, Outcome, Proposal, Vote
from pollen.jam.report import report_data, report_odt, report_pdf
from tests.jam.bercy import bercy_jam
from tests.pdfs import pdf_text

THEMES = [theme for theme, _items in BERCY_GROUPS]
RETAINED = "Un appel à projets pour les fablabs"
CODES = re.compile(rf"\b({'|'.join([*Lever.values, *Outcome.values])})\b")


@pytest.fixture
def bercy(call_2013):
    return bercy_jam(call_2013)


def odt_text(odt: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(odt)) as package:
        root = ElementTree.fromstring(package.read("content.xml"))  # noqa: S314 (our own file)
    return " ".join(root.itertext())


def test_it_writes_a_pdf_with_every_group_and_the_retained_proposal(bercy, monkeypatch):
    monkeypatch.setattr(rl_config, "pageCompression", 0)
    monkeypatch.setattr(rl_config, "invariant", 1)
    pdf = report_pdf(bercy)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert bercy.title in text and "mardi 25 juin 2013, 9 h 30" in text
    for theme in THEMES:
        assert theme in text
    dots = Vote.objects.filter(proposal__jam=bercy, proposal__title=RETAINED).count()
    assert f"{RETAINED} ({dots} gommettes)" in text
    assert "Commande publique" in text and "décision : retenue" in text
    assert CODES.search(text) is None


def test_it_writes_an_opendocument_text_the_cabinet_can_edit(bercy):
    odt = report_odt(bercy)
    with zipfile.ZipFile(io.BytesIO(odt)) as package:
        first = package.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert package.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        assert package.testzip() is None
        assert "content.xml" in package.read("META-INF/manifest.xml").decode()
    text = odt_text(odt)
    for theme in THEMES:
        assert theme in text
    assert RETAINED in text and "Réglementation" in text
    assert CODES.search(text) is None


def test_it_gathers_the_figures_once_for_both_formats(bercy, django_assert_num_queries):
    with django_assert_num_queries(8):
        report = report_data(bercy)
    assert sum(report.present) == 100 == sum(sum(g.present) for g in report.groups)
    assert report.presence_rows[-1][-1] == "100"
    assert report.duration == "2 h 30"
    dots = [line.dots for line in report.ranked]
    assert dots == sorted(dots, reverse=True)
    assert sum(dots) == Vote.objects.filter(proposal__jam=bercy).count()
    first = report.groups[0]
    assert first.theme == THEMES[0] and first.synthesis is not None
    assert RETAINED in [line.title for line in first.synthesis.proposals]
    assert {g.synthesis.lever for g in report.groups if g.synthesis} <= set(Lever.labels)
    assert len(report.proposals) == Proposal.objects.filter(jam=bercy).count()


def test_it_reports_a_young_jam_whatever_its_participants_typed(room):
    """No vote, no synthesis, the organiser present outside any group, text like markup or pasted
    from a word processor (a vertical tab, which XML cannot hold)."""
    Proposal.objects.create(
        jam=room.jam,
        group=room.groups[0],
        author=room.people[0],
        title="<b>&</b> « =1+1 »",
        text="Collé\x0bde Word\r\n😀\x01",
        lever=Lever.OTHER,
        created_at=room.jam.starts_at,
    )
    report = report_data(room.jam)
    assert [line.dots for line in report.ranked] == [0]
    assert all(g.synthesis is None for g in report.groups)
    assert report.presence_rows[0][-2:] == ["Sans groupe", "Total"]
    assert report_pdf(room.jam).startswith(b"%PDF-")
    text = odt_text(report_odt(room.jam))
    assert "<b>&</b> « =1+1 »" in text and "Collé de Word" in text
    room.jam.participants.update(checked_in_at=None)
    assert report_pdf(room.jam).startswith(b"%PDF-")  # empty charts draw too
