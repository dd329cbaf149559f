"""No export can attack its reader: a name that reads as a formula comes out as plain text.

An organisation, a title, a place or a transfer reference typed by someone ("=HYPERLINK(…)")
goes through every CSV and XLSX export as the people who download them would get it; no cell
may start a formula (OWASP CSV injection). Bare numbers the formats require stay numbers.
"""

import csv
import io
import re
import zipfile

import pytest
from django.urls import reverse

from pollen.accounts.models import Organisation
from pollen.applications.models import Application
from pollen.grants import services as grant_services
from pollen.grants.models import Payment
from pollen.places import services as place_services
from pollen.places.models import PlaceKind
from tests.builders import organisation_for
from tests.grants.helpers import DECIDED, awarded_grant
from tests.instruction.conftest import submitted_application
from tests.instruction.test_exports import xlsx_rows
from tests.opendata.test_scdl import _validate

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")
# A longitude west of Greenwich, a phone in E.164 form: numbers the formats want as they are.
BARE_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def neutralised(text):
    """A leading quote; a carriage return written as a line feed, so it stays inside its cell."""
    return "'" + text.replace("\r", "\n")


def assert_harmless(cells, *hostile):
    """No cell starts a formula, and each hostile text is there, neutralised."""
    for cell in cells:
        assert not cell.startswith(DANGEROUS) or BARE_NUMBER.fullmatch(cell), repr(cell)
    for text in hostile:
        assert neutralised(text) in cells, (text, cells)


def csv_cells(body, delimiter=","):
    rows = list(
        csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline=""), delimiter=delimiter)
    )
    return [cell for row in rows[1:] for cell in row]


def ooxml_text(value):
    """Control characters as a spreadsheet reads them: the file spells "\\r" as "_x000D_"."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def streamed(response):
    return b"".join(response.streaming_content)


def job_file(client, url):
    """An export made by a job (pollen.jobs): 303 to its page, then its file."""
    started = client.get(url)
    assert started.status_code == 303, url
    return client.get(started["Location"] + "fichier/")


@pytest.fixture(params=HOSTILE, ids=["hyperlink", "plus", "minus", "at", "tab", "cr"])
def hostile(request):
    return request.param


@pytest.fixture
def applied(call_2013, personas, hostile):
    """An organisation named by an attacker, whose application bears the same title."""
    organisation_for(personas["applicant"], name=hostile)
    return submitted_application(call_2013, personas["applicant"], hostile)


def test_it_neutralises_the_instructors_csv(client, personas, applied, hostile):
    client.force_login(personas["instructor"])
    response = job_file(client, reverse("instruction:export_csv", args=[applied.call.slug]))
    assert response.status_code == 200
    assert_harmless(csv_cells(streamed(response).decode("utf-8")), hostile)


def test_it_writes_the_instructors_xlsx_as_text_never_as_formulas(
    client, personas, applied, hostile
):
    client.force_login(personas["instructor"])
    response = job_file(client, reverse("instruction:export_xlsx", args=[applied.call.slug]))
    assert response.status_code == 200
    data = streamed(response)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    response.streaming_content = iter([data])
    row = {name: ooxml_text(value) for name, value in xlsx_rows(response)[0].items()}
    assert (row["titre"], row["structure"]) == (neutralised(hostile), neutralised(hostile))
    assert float(row["subvention_demandee_eur"]) == 70000.0  # numbers stay numbers
    assert_harmless(list(row.values()), hostile)


def test_it_neutralises_the_payments_csv(client, call_2013, personas, hostile):
    organisation_for(personas["applicant"], name=hostile)
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    Payment.objects.filter(grant=grant).update(payment_reference=hostile)  # typed by finance
    client.force_login(personas["finance"])
    response = client.get(reverse("grants:payments_csv"))
    assert response.status_code == 200
    body = streamed(response).decode("utf-8")
    assert_harmless(csv_cells(body, delimiter=";"), hostile)
    rows = list(csv.DictReader(io.StringIO(body, newline=""), delimiter=";"))
    assert all(re.fullmatch(r"[0-9]+\.[0-9]{2}", r["montant"]) for r in rows)  # still numbers


def test_it_neutralises_the_open_data_csv_and_keeps_it_valid(
    client, call_2013, personas, hostile, tmp_path
):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    Organisation.objects.filter(pk=personas["applicant"].organisation_id).update(legal_name=hostile)
    Application.objects.filter(pk=grant.application_id).update(title=hostile)
    grant_services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    response = client.get(reverse("opendata:scdl"))
    assert response.status_code == 200
    body = streamed(response).decode("utf-8")
    assert_harmless(csv_cells(body), hostile)
    path = tmp_path / "subventions.csv"
    path.write_text(body, encoding="utf-8", newline="")
    report = _validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    row = next(csv.DictReader(io.StringIO(body, newline="")))
    assert row["montant"] == "70000.00"


def test_it_neutralises_the_national_places_csv(client, territory, hostile):
    place = place_services.create_place(
        acting_user=None,
        values={
            "name": hostile,
            "kind": PlaceKind.FABLAB,
            "commune_id": "29019",
            "address": hostile,
            "latitude": 48.4084,
            "longitude": -4.5015,
            "phone": "+33298000000",
        },
    )
    response = client.get(reverse("places:export_csv"))
    assert response.status_code == 200
    body = response.content.decode("utf-8")
    assert_harmless(csv_cells(body), *{place.name, place.address} - {""})
    row = next(csv.DictReader(io.StringIO(body, newline="")))
    assert (row["longitude"], row["telephone"]) == ("-4.501500", "+33298000000")


def test_a_phone_that_is_not_a_bare_number_is_neutralised_too(client, territory):
    place_services.create_place(
        acting_user=None,
        values={
            "name": "Fablab",
            "kind": PlaceKind.FABLAB,
            "commune_id": "29019",
            "address": "1 rue A",
            "phone": "+33 =cmd|' /C calc'!A0",
        },
    )
    row = next(
        csv.DictReader(io.StringIO(client.get(reverse("places:export_csv")).content.decode()))
    )
    assert row["telephone"] == ""  # the national export writes +33 numbers or nothing
