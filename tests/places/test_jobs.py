"""The coverage map's PDF and the import of a file of places, as jobs: started by a POST,
followed on the job's page by whoever started it (an anonymous visitor by their session)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from pollen.audit.models import AuditEvent
from pollen.jobs import services as job_services
from pollen.jobs.models import Job, JobStatus
from pollen.places import jobs as place_jobs
from pollen.places import reports
from pollen.places.models import Place

QUEUED_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def places(finistere, make_place):
    make_place("Fablab de Quimper", "29232", machines=["laser_cutter"])
    make_place("Fablab de Brest", "29019", machines=["3d_printer"], latitude=48.39, longitude=-4.49)


def pdf_of(client: Client, job_url: str) -> bytes:
    response = client.get(job_url + "fichier/")
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_an_anonymous_visitor_gets_the_map_pdf_through_a_job_only_they_follow(
    client, places, personas
):
    started = client.post(reverse("places:map_pdf"), {"radius_km": 10, "machine": "laser_cutter"})
    assert started.status_code == 303
    job = Job.objects.get()
    assert started["Location"] == f"/travaux/{job.pk}/"
    assert job.owner is None and job.holder and job.status == JobStatus.DONE
    assert job.params == {"radius_km": 10, "machine": "laser_cutter", "lang": "fr"}
    page = client.get(started["Location"]).content.decode()
    assert "<h1>Carte de la couverture (PDF)</h1>" in page
    assert "Télécharger carte-couverture-10km.pdf" in page
    assert pdf_of(client, started["Location"]).startswith(b"%PDF")
    # Another browser, signed out or signed in, does not see it.
    stranger = Client()
    for suffix in ("", "etat/", "etat.json", "fichier/"):
        assert stranger.get(started["Location"] + suffix).status_code == 404
    signed_in = Client()
    signed_in.force_login(personas["manager"])
    assert signed_in.get(started["Location"]).status_code == 404
    assert signed_in.get(started["Location"] + "fichier/").status_code == 404
    # Its owner's browser keeps only a token; the job keeps its hash, not the token itself.
    token = client.session["pollen_jobs_holder"]
    assert token and token not in job.holder and len(job.holder) == 64


def test_the_visitor_still_follows_their_job_after_signing_in(client, places, personas, settings):
    settings.TASKS = QUEUED_ONLY
    started = client.post(reverse("places:map_pdf"), {"radius_km": 20})
    client.force_login(personas["applicant"])
    assert client.get(started["Location"]).status_code == 200
    client.logout()  # signing out forgets the session, and the job with it
    assert client.get(started["Location"]).status_code == 404


def test_a_map_already_drawn_is_served_at_once_from_the_shared_cache(client, places, monkeypatch):
    first = client.post(reverse("places:map_pdf"), {"radius_km": 20})
    drawn = pdf_of(client, first["Location"])
    reports.reset_caches()  # another process: only the shared cache knows the PDF

    def no_drawing(*args, **kwargs):
        raise AssertionError("the map was drawn again")

    monkeypatch.setattr(place_jobs, "map_pdf", no_drawing)
    again = Client().post(reverse("places:map_pdf"), {"radius_km": 20})
    assert again.status_code == 200 and again.content == drawn
    assert again["Content-Disposition"] == 'attachment; filename="carte-couverture-20km.pdf"'
    assert Job.objects.count() == 1
    # Another question is another map: a job again.
    monkeypatch.undo()
    other = Client().post(reverse("places:map_pdf"), {"radius_km": 30})
    assert other.status_code == 303 and Job.objects.count() == 2


def test_asking_twice_while_it_runs_follows_the_same_job(client, places, settings):
    settings.TASKS = QUEUED_ONLY
    first = client.post(reverse("places:map_pdf"), {"radius_km": 20})
    second = client.post(reverse("places:map_pdf"), {"radius_km": 20})
    assert first["Location"] == second["Location"] and Job.objects.count() == 1
    other_browser = Client().post(reverse("places:map_pdf"), {"radius_km": 20})
    assert other_browser["Location"] != first["Location"]  # its own job, its own page


def test_the_map_pdf_is_started_by_post_only(client, places):
    assert client.get(reverse("places:map_pdf")).status_code == 405
    assert Job.objects.count() == 0


ROWS = [
    {
        "id": "42",
        "nom": "Fablab de Quimper",
        "commune": "Quimper",
        "code_postal": "29000",
        "latitude": 47.99,
        "longitude": -4.10,
        "source": "Test",
    },
    {"id": "43", "nom": "EPN de Brest", "commune": "Brest", "code_postal": "29200"},
    {"id": "44", "nom": "", "commune": "Brest"},
    {"id": "45", "nom": "Lieu lointain", "latitude": 40.7, "longitude": -74.0},
]


def upload(rows: list, name: str = "lieux.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(rows).encode(), content_type="application/json")


def start_import(
    client: Client, rows: list, name: str = "lieux.json", fmt: str = "mediation-numerique"
):
    return client.post(reverse("places:import"), {"fmt": fmt, "file": upload(rows, name)})


def test_a_manager_imports_a_file_and_reads_what_was_created_and_ignored(
    client, territory, personas
):
    client.force_login(personas["manager"])
    form = client.get(reverse("places:import")).content.decode()
    assert "Importer des lieux" in form and 'enctype="multipart/form-data"' in form
    started = start_import(client, ROWS)
    assert started.status_code == 303
    job = Job.objects.get()
    assert started["Location"] == f"/travaux/{job.pk}/"
    assert job.owner == personas["manager"] and job.status == JobStatus.DONE
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert job_services.storage().exists(job.params["file"])  # any worker reads it there
    # The job made a page: its page goes there.
    followed = client.get(started["Location"])
    result_url = reverse("places:import_result", args=[job.pk])
    assert followed.status_code == 302 and followed["Location"] == result_url
    page = client.get(result_url).content.decode()
    assert "2 lieu(x) créé(s), 0 mis à jour, 0 inchangé(s), 2 ignoré(s)" in page
    assert "Test:42 « Fablab de Quimper »" in page
    assert "identifiant ou nom manquant" in page
    assert "coordonnées hors de France" in page
    assert set(Place.objects.values_list("name", flat=True)) == {
        "Fablab de Quimper",
        "EPN de Brest",
    }
    events = AuditEvent.objects.filter(action="places.file_imported")
    assert events.count() == 1
    assert events.get().after["created"] == 2 and events.get().actor == personas["manager"]
    assert AuditEvent.objects.filter(action="place.imported").count() == 2
    # The same file again: updated nothing, created nothing.
    start_import(client, ROWS)
    again = Job.objects.exclude(pk=job.pk).get()
    assert again.result["counts"]["created"] == 0 and again.result["counts"]["unchanged"] == 2
    assert AuditEvent.objects.filter(action="places.file_imported").count() == 2


def test_a_second_run_of_the_same_import_job_writes_no_second_event(client, territory, personas):
    client.force_login(personas["manager"])
    start_import(client, ROWS)
    job = Job.objects.get()
    Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, attempts=0)
    job_services.run_job.call(str(job.pk))  # a worker that ran it again
    assert AuditEvent.objects.filter(action="places.file_imported").count() == 1
    assert Place.objects.count() == 2


@pytest.mark.parametrize("persona", ["applicant", "instructor", "admin", "anonymous"])
def test_an_import_is_for_those_who_add_places_and_its_result_for_who_ran_it(
    client, territory, personas, persona
):
    manager = Client()
    manager.force_login(personas["manager"])
    start_import(manager, ROWS)
    job = Job.objects.get()
    other = Client()
    if persona != "anonymous":
        other.force_login(personas[persona])
    result_url = reverse("places:import_result", args=[job.pk])
    if persona == "anonymous":
        assert other.get(reverse("places:import")).status_code == 302
        assert other.get(result_url).status_code == 302
        return
    assert other.get(f"/travaux/{job.pk}/").status_code == 404
    assert other.get(result_url).status_code == 404
    expected = 200 if persona == "admin" else 403
    assert other.get(reverse("places:import")).status_code == expected
    refused = start_import(other, ROWS)
    assert refused.status_code == (303 if persona == "admin" else 403)


def test_a_wrong_extension_is_said_at_the_field_and_nothing_starts(client, territory, personas):
    client.force_login(personas["manager"])
    response = start_import(client, ROWS, name="lieux.xlsx")
    assert response.status_code == 200
    assert "le fichier doit finir par l'une de ces extensions : .json, .csv" in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert Job.objects.count() == 0


def test_an_unreadable_file_fails_with_the_readers_french_message(client, territory, personas):
    client.force_login(personas["manager"])
    bad = SimpleUploadedFile("lieux.json", b"{not json", content_type="application/json")
    started = client.post(reverse("places:import"), {"fmt": "mediation-numerique", "file": bad})
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and job.attempts == 1  # no retry changes the file
    page = client.get(started["Location"]).content.decode()
    assert 'id="job-error"' in page and "JSON" in page
    assert Place.objects.count() == 0


def test_a_maplabbzh_geojson_imports_too(client, territory, personas):
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [-4.10, 47.99]},
        "properties": {"id": "m1", "name": "Lab de Quimper", "structure": "fablab", "cp": "29000"},
    }
    client.force_login(personas["manager"])
    collection = {"type": "FeatureCollection", "features": [feature]}
    started = client.post(
        reverse("places:import"),
        {
            "fmt": "maplabbzh",
            "file": SimpleUploadedFile("carte.geojson", json.dumps(collection).encode()),
        },
    )
    assert started.status_code == 303
    assert Place.objects.get().name == "Lab de Quimper"


def test_new_maps_beyond_the_limit_are_refused_per_address_drawn_ones_still_served(
    places, settings, one_window
):
    settings.TASKS = QUEUED_ONLY
    settings.POLLEN_MAP_PDFS_PER_MINUTE = 2

    def ask(radius, address="203.0.113.7"):
        return Client().post(reverse("places:map_pdf"), {"radius_km": radius}, REMOTE_ADDR=address)

    assert ask(10).status_code == 303 and ask(20).status_code == 303
    refused = ask(30)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    html = refused.content.decode()
    assert "Trop de nouvelles cartes demandées depuis votre adresse" in html
    assert "Erreur 429" in html
    assert Job.objects.count() == 2  # no job for the refused request
    assert ask(30, address="198.51.100.9").status_code == 303  # another address, its own count
