"""CSV and XLSX exports hold exactly the filtered list, in the list's order."""

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from pollen.applications.models import Application

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def instructor_client(client, personas, world):
    Application.objects.filter(pk=world["b"].pk).update(
        eligible=False, failed_rules=["subsidy_share", "deadline"]
    )
    client.force_login(personas["instructor"])
    return client


def csv_rows(response):
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))


def xlsx_rows(response):
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))  # noqa: S314 - our own file
        shared = []
        if "xl/sharedStrings.xml" in archive.namelist():
            strings = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))  # noqa: S314
            shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t")) for si in strings]
    table = []
    for row in sheet.iter(f"{{{NS['x']}}}row"):
        cells = {}
        for cell in row.findall("x:c", NS):
            column = re.match(r"[A-Z]+", cell.get("r")).group(0)
            kind = cell.get("t")
            if kind == "inlineStr":
                value = "".join(t.text or "" for t in cell.iter(f"{{{NS['x']}}}t"))
            elif kind == "s":
                value = shared[int(cell.find("x:v", NS).text)]
            else:
                value = cell.find("x:v", NS).text
            cells[column] = value
        table.append(cells)
    header, *body = table  # empty cells are absent: match them by column letter
    return [{name: row.get(column, "") for column, name in header.items()} for row in body]


def test_the_csv_export_holds_the_filtered_list(instructor_client, world):
    url = reverse("review:export_csv", args=[world["call"].slug])
    response = instructor_client.get(url, {"eligible": "no"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="candidatures-fablabs-2013.csv"' in response["Content-Disposition"]
    rows = csv_rows(response)
    assert len(rows) == 1
    row = rows[0]
    b = world["b"]
    assert row["id"] == str(b.pk)
    assert row["titre"] == "Fabrique solidaire à Brest"
    assert row["structure"] == "Fablab de Brest"
    assert row["commune_insee"] == "29019" and row["departement"] == "29" and row["region"] == "53"
    assert row["eligible"] == "non"
    assert row["regles_non_respectees"] == "subsidy_share deadline"
    assert row["subvention_demandee_eur"] == "70000.00"
    assert row["etat"] == "submitted"


def test_the_csv_export_follows_search_and_sort(instructor_client, world):
    url = reverse("review:export_csv", args=[world["call"].slug])
    rows = csv_rows(instructor_client.get(url, {"sort": "title"}))
    assert [r["titre"] for r in rows] == ["Atelier laser à Rennes", "Fabrique solidaire à Brest"]
    rows = csv_rows(instructor_client.get(url, {"q": "rennes"}))
    assert [r["titre"] for r in rows] == ["Atelier laser à Rennes"]


def test_the_xlsx_export_holds_the_filtered_list(instructor_client, world):
    url = reverse("review:export_xlsx", args=[world["call"].slug])
    response = instructor_client.get(url, {"departement": "35"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="candidatures-fablabs-2013.xlsx"' in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert len(rows) == 1
    row = rows[0]
    assert row["titre"] == "Atelier laser à Rennes"
    assert row["structure"] == "Fablab de Rennes"
    assert row["departement"] == "35"
    assert float(row["subvention_demandee_eur"]) == 70000.0
    assert row["eligible"] == "oui"
