"""The SCDL subventions export: valid against the official schema, SIRETs checked, public URL."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from frictionless import Resource, Schema

from pollen.domain.apply.siret import is_valid_siret
from pollen.grants import services
from pollen.opendata import scdl
from tests.grants.helpers import DECIDED, awarded_grant, submitted_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def awards(call_2013, personas):
    first = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    services.sign_agreement(
        acting_user=personas["instructor"], grant=first, signed_on=DECIDED, signatory="C. Martin"
    )
    application = submitted_application(
        call_2013, personas["applicant_b"], siret="44306184100047", name="Fablab « B », Brest"
    )
    second = services.award_grant(
        acting_user=personas["manager"], application=application, amount=Decimal("55000.50")
    )
    services.sign_agreement(
        acting_user=personas["instructor"], grant=second, signed_on=DECIDED, signatory="N. Benali"
    )
    unsigned = submitted_application(call_2013, personas["applicant_b"])
    services.award_grant(
        acting_user=personas["manager"], application=unsigned, amount=Decimal("60000")
    )
    return first, second


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _validate(path):
    descriptor = json.loads(scdl.schema_path().read_text(encoding="utf-8"))
    schema = Schema.from_descriptor(descriptor)
    return Resource(path=path.name, basepath=str(path.parent), schema=schema).validate()


def test_the_export_is_valid_against_the_official_schema(awards, tmp_path):
    path = tmp_path / "subventions.csv"
    call_command("export_scdl", "--output", str(path), stdout=io.StringIO())
    report = _validate(path)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = _rows(path)
    assert len(rows) == 2  # the unsigned award has no agreement date yet
    assert list(rows[0]) == scdl.field_names()


def test_every_siret_passes_the_luhn_check(awards, tmp_path):
    path = tmp_path / "subventions.csv"
    scdl.write_csv(path)
    for row in _rows(path):
        assert is_valid_siret(row["idAttribuant"]), row["idAttribuant"]
        assert is_valid_siret(row["idBeneficiaire"]), row["idBeneficiaire"]


def test_each_row_carries_the_award_and_its_schedule(awards, tmp_path):
    _first, second = awards
    path = tmp_path / "subventions.csv"
    scdl.write_csv(path)
    rows = {r["referenceDecision"]: r for r in _rows(path)}
    row = rows[second.reference]
    assert row["idAttribuant"] == "11000201100044"
    assert row["nomBeneficiaire"] == "Fablab « B », Brest"
    assert row["montant"] == "55000.50"
    assert row["dateConvention"] == "2013-10-15"
    assert row["conditionsVersement"] == "échelonné"
    assert row["datesPeriodeVersement"] == f"2013-10-15/{second.ends_on.isoformat()}"
    assert (row["nature"], row["notificationUE"], row["pourcentageSubvention"]) == (
        "aide en numéraire",
        "non",
        "1.00",
    )


def test_a_broken_row_would_be_caught_by_the_validation(awards, tmp_path):
    path = tmp_path / "subventions.csv"
    scdl.write_csv(path)
    text = path.read_text(encoding="utf-8").replace("2013-10-15", "15/10/2013", 1)
    broken = tmp_path / "broken.csv"
    broken.write_text(text, encoding="utf-8")
    report = _validate(broken)
    assert [e[0] for e in report.flatten(["type"])] == ["type-error"]


def test_the_public_url_streams_the_same_file_to_anyone(client, awards, tmp_path):
    response = client.get("/donnees-ouvertes/subventions.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    path = tmp_path / "same.csv"
    scdl.write_csv(path)
    assert b"".join(response.streaming_content).decode() == path.read_text(encoding="utf-8")


def test_the_open_data_page_describes_each_file(client, awards):
    page = client.get("/donnees-ouvertes/").content.decode()
    assert "Subventions attribuées" in page and "2 lignes" in page
    assert 'href="/donnees-ouvertes/subventions.csv"' in page
    assert "<code>pourcentageSubvention</code>" in page


def test_an_empty_programme_exports_a_header_only_valid_file(db, tmp_path):
    path = tmp_path / "vide.csv"
    assert scdl.write_csv(path) == 0
    assert path.read_text(encoding="utf-8").strip().split(",") == scdl.field_names()


def test_the_page_links_the_directory_export_when_the_places_app_has_one(client, db):
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("places:export_csv")
    except NoReverseMatch:
        pytest.skip("the places app has no export yet")
    page = client.get("/donnees-ouvertes/").content.decode()
    assert f'href="{url}"' in page and "Annuaire des fablabs" in page
