"""A job's page, its polled fragment, its JSON and its file, for its owner and nobody else."""

import pytest
from django.urls import reverse

from pollen.jobs import services
from pollen.jobs.models import Job, JobStatus
from tests.conftest import PERSONAS, client_for

pytestmark = pytest.mark.django_db(transaction=True)
QUEUED_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def urls(job: Job) -> list[str]:
    return [
        reverse(name, args=[job.pk])
        for name in ("jobs:detail", "jobs:state", "jobs:state_json", "jobs:file")
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_job_is_for_its_owner_and_those_its_kind_lets_follow_it(
    client, personas, script, persona
):
    job = services.start("tests.export", owner=personas["instructor"])
    client = client_for(client, personas, persona)
    for url in urls(job):
        response = client.get(url)
        response.close()  # the file's handle
        if persona == "anonymous":
            assert response.status_code == 302 and "/connexion/" in response["Location"]
        elif persona in {"instructor", "manager"}:  # the owner; the kind lets managers follow
            assert response.status_code == 200, (url, persona)
        else:
            assert response.status_code == 404, (url, persona)


def test_an_unknown_job_is_a_404(client, personas):
    client.force_login(personas["manager"])
    response = client.get("/travaux/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404
    assert client.get("/travaux/pas-un-uuid/").status_code == 404


def test_a_running_job_shows_its_progress_and_polls_until_done(client, personas, script, settings):
    settings.TASKS = QUEUED_ONLY
    job = services.start("tests.effect", owner=personas["manager"])
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, progress_done=30, progress_total=120, progress_label="Lignes"
    )
    client.force_login(personas["manager"])
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'aria-live="polite"' in page and "<h1>Travail d&#x27;essai</h1>" in page
    assert 'hx-trigger="every 1s"' in page and f'hx-get="/travaux/{job.pk}/etat/"' in page
    assert '<progress id="job-progress" class="pollen-progress" max="120" value="30">' in page
    assert '<label for="job-progress" id="job-label">Lignes</label>' in page
    assert "30 sur 120 (25 %)" in page
    assert f'href="/travaux/{job.pk}/"' in page  # without JavaScript: refresh by hand
    state = client.get(reverse("jobs:state_json", args=[job.pk])).json()
    assert state == {
        "status": "running",
        "done": 30,
        "total": 120,
        "label": "Lignes",
        "result_url": "",
    }


def test_once_done_the_fragment_sends_htmx_to_the_result_page(client, personas, script):
    job = services.start("tests.effect", owner=personas["manager"])
    client.force_login(personas["manager"])
    fragment = client.get(reverse("jobs:state", args=[job.pk]), headers={"HX-Request": "true"})
    assert fragment["HX-Redirect"] == "/espace/"
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 302 and page["Location"] == "/espace/"
    assert client.get(reverse("jobs:state_json", args=[job.pk])).json()["result_url"] == "/espace/"


def test_once_done_an_export_is_a_download_link_served_after_the_access_check(
    client, personas, script
):
    job = services.start("tests.export", owner=personas["instructor"])
    client.force_login(personas["instructor"])
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    file_url = f"/travaux/{job.pk}/fichier/"
    assert (
        f'id="job-result" class="fr-btn fr-icon-download-line fr-btn--icon-left" href="{file_url}"'
        in page
    )
    assert "Télécharger essai.csv" in page and "hx-trigger" not in page
    response = client.get(file_url)
    assert response["Content-Type"] == "text/csv"
    assert 'filename="essai.csv"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"a;b\n1;2\n"
    response.close()
    assert client.get(reverse("jobs:state_json", args=[job.pk])).json()["result_url"] == file_url


def test_a_failed_job_says_so_plainly_and_what_to_do(client, personas, script):
    job = services.start("tests.refuse", owner=personas["manager"])
    client.force_login(personas["manager"])
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'data-status="failed"' in page and "hx-trigger" not in page
    assert "Cet appel est clos : le calcul n&#x27;a pas été fait." in page
    assert f"cette référence : {job.pk}" in page
    assert client.get(reverse("jobs:file", args=[job.pk])).status_code == 404
