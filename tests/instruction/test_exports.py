"""CSV and XLSX exports hold exactly the filtered list, in the list's order; a job writes them."""

import csv
import io
import re
import zipfile
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from pollen.applications.models import Application
from pollen.jobs.models import Job
from pollen.jobs.services import run_job
from tests.conftest import client_for

NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@pytest.fixture
def instructor_client(client, personas, world):
    Application.objects.filter(pk=world["b"].pk).update(
        eligible=False, failed_rules=["subsidy_share", "deadline"]
    )
    client.force_login(personas["instructor"])
    return client


def downloaded(client, url, params=None):
    """As the list's link does: 303 to the job's page, its download link, then the file."""
    response = client.get(url, params or {})
    job = Job.objects.order_by("-created_at").first()
    assert (response.status_code, response["Location"]) == (303, f"/travaux/{job.pk}/")
    page = client.get(response["Location"]).content.decode()
    link = f'id="job-result" class="fr-btn fr-icon-download-line fr-btn--icon-left" href="/travaux/{job.pk}/fichier/"'
    assert link in page
    return client.get(f"/travaux/{job.pk}/fichier/")


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
    url = reverse("instruction:export_csv", args=[world["call"].slug])
    response = downloaded(instructor_client, url, {"eligible": "no", "page": "2"})
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
    url = reverse("instruction:export_csv", args=[world["call"].slug])
    rows = csv_rows(downloaded(instructor_client, url, {"sort": "title"}))
    assert [r["titre"] for r in rows] == ["Atelier laser à Rennes", "Fabrique solidaire à Brest"]
    rows = csv_rows(downloaded(instructor_client, url, {"q": "rennes"}))
    assert [r["titre"] for r in rows] == ["Atelier laser à Rennes"]


def test_the_xlsx_export_holds_the_filtered_list(instructor_client, world):
    url = reverse("instruction:export_xlsx", args=[world["call"].slug])
    response = downloaded(instructor_client, url, {"departement": "35"})
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


def test_an_export_job_run_again_replaces_its_file_with_the_same_rows(instructor_client, world):
    url = reverse("instruction:export_csv", args=[world["call"].slug])
    first = csv_rows(downloaded(instructor_client, url, {"sort": "title"}))
    job = Job.objects.get()
    assert (job.kind, job.params["query"], job.params["fmt"]) == (
        "instruction.export",
        "sort=title",
        "csv",
    )
    # A worker that died after writing: the sweep runs the job again, under the same name.
    Job.objects.filter(pk=job.pk).update(status="queued", next_attempt_at=job.created_at)
    assert run_job.call(str(job.pk)) == "done"
    again = csv_rows(instructor_client.get(f"/travaux/{job.pk}/fichier/"))
    assert again == first and len(again) == 2


def test_an_export_job_is_the_call_s_team_s_only(client, personas, world):
    url = reverse("instruction:export_xlsx", args=[world["call"].slug])
    owner = client_for(client, personas, "instructor")
    owner.get(url)
    job = Job.objects.get()
    for name, expected in (
        ("manager", 200),
        ("expert", 404),
        ("committee", 404),
        ("applicant", 404),
    ):
        other = client_for(client, personas, name)
        assert other.get(f"/travaux/{job.pk}/etat.json").status_code == expected, name
        response = other.get(f"/travaux/{job.pk}/fichier/")
        assert response.status_code == expected, name
        if expected == 200:  # read to the end: the test client then closes the file
            assert xlsx_rows(response)


def test_an_export_whose_owner_may_no_longer_instruct_fails_with_the_reason(
    instructor_client, personas, world, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    instructor_client.get(reverse("instruction:export_csv", args=[world["call"].slug]))
    job = Job.objects.get()
    personas["instructor"].role = "expert"
    personas["instructor"].save()
    assert run_job.call(str(job.pk)) == "refused"
    page = instructor_client.get(f"/travaux/{job.pk}/").content.decode()
    assert "Vous ne pouvez plus instruire cet appel" in page
    assert not Job.objects.get().result_file
