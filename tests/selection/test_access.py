"""Every committee view tried with every persona, and each page's content for those allowed."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from pollen.audit.models import AuditEvent
from pollen.jobs import services as job_services
from pollen.jobs.models import Job
from pollen.selection import jobs, services
from pollen.selection.adapters import ScenarioParameters
from pollen.selection.models import Decision, SelectionRun
from tests.conftest import PERSONAS, client_for

pytestmark = pytest.mark.django_db
COMMITTEE = {"committee", "manager", "admin"}
# Who reads a decision and its letter besides the applicant's own organisation.
DECISION_READERS = COMMITTEE | {"instructor"}


@pytest.fixture
def runs(world, personas):
    call = world["35238"].call
    made = [
        services.run_scenario(
            acting_user=personas["committee"],
            call=call,
            name=name,
            parameters=ScenarioParameters(
                envelope=Decimal("150000.00"), max_awards=2, coverage_weight=Decimal(w)
            ),
        )
        for name, w in (("Notes seules", "0"), ("Territoire", "10"))
    ]
    return made


def form_data(**changes):
    data = {
        "name": "Essai",
        "envelope": "150000",
        "min_awards": "0",
        "max_awards": "2",
        "min_score": "0",
        "radius_km": "20",
        "coverage_weight": "1",
    }
    data.update(changes)
    return data


def committee_urls(runs):
    slug, a, b = runs[0].call.slug, runs[0].pk, runs[1].pk
    return [
        ("get", reverse("selection:index")),
        ("get", reverse("selection:committee", args=[slug])),
        ("get", reverse("selection:run_detail", args=[slug, a])),
        ("get", reverse("selection:problem_json", args=[slug, a])),
        ("get", reverse("selection:compare", args=[slug]) + f"?a={a}&b={b}"),
        ("get", reverse("selection:decisions", args=[slug])),
        ("post", reverse("selection:run", args=[slug])),
        ("post", reverse("selection:freeze", args=[slug, a])),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_committee_views_are_for_the_committee_managers_and_admins(client, personas, runs, persona):
    client = client_for(client, personas, persona)
    for method, url in committee_urls(runs):
        data = form_data() if url.endswith("/scenarios/") else {}
        response = getattr(client, method)(url, data)
        if persona == "anonymous":
            assert response.status_code == 302 and "/connexion/" in response["Location"], url
        elif persona in COMMITTEE:
            assert response.status_code in (200, 302, 303), (url, response.status_code)
        else:
            assert response.status_code == 403, (url, persona, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_decision_and_its_letter_are_for_the_applicant_and_the_programme(
    client, personas, runs, world, persona
):
    services.freeze_run(acting_user=personas["manager"], run=runs[0])
    rennes = world["35238"]  # the applicant persona's
    client = client_for(client, personas, persona)
    for name in ("selection:decision", "selection:letter"):
        response = client.get(reverse(name, args=[rennes.pk]))
        if persona == "anonymous":
            assert response.status_code == 302
        elif persona == "applicant" or persona in DECISION_READERS:
            assert response.status_code == 200, (name, persona)
        else:
            assert response.status_code == 404, (name, persona)


def test_the_committee_page_shows_the_defaults_and_the_pool(client, personas, world):
    client.force_login(personas["committee"])
    call = world["35238"].call
    response = client.get(reverse("selection:committee", args=[call.slug]))
    content = response.content.decode()
    form = response.context["form"]
    assert form.initial["envelope"] == call.envelope
    assert form.initial["max_awards"] == call.target_awards
    assert "4 candidatures déposées ou complètes, éligibles et évaluées" in content


def test_running_a_scenario_from_the_form_stores_it_and_shows_every_candidate(
    client, personas, world
):
    client.force_login(personas["committee"])
    call = world["35238"].call
    must = str(world["69123"].pk)
    response = client.post(
        reverse("selection:run", args=[call.slug]), form_data(must_include=[must]), follow=True
    )
    run = SelectionRun.objects.get()
    job = Job.objects.get(kind="selection.scenario")
    # 303 to the job's page; the immediate backend has already solved it: on to the run's page.
    assert response.redirect_chain == [
        (f"/travaux/{job.pk}/", 303),
        (f"/comite/appels/{call.slug}/scenarios/{run.pk}/", 302),
    ]
    assert (job.status, job.owner, run.job_id) == ("done", personas["committee"], job.pk)
    assert must in run.selected_ids
    assert json.loads(run.problem)["must_include"] == [must]
    content = response.content.decode()
    for application in world.values():
        assert f'data-candidate="{application.pk}"' in content
    assert "Retenue d&#x27;office" in content  # the forced candidate's reason
    assert 'id="figures"' in content and "Par le classement" in content


def test_an_htmx_run_answers_with_a_redirect_header(client, personas, world):
    client.force_login(personas["committee"])
    call = world["35238"].call
    response = client.post(
        reverse("selection:run", args=[call.slug]), form_data(), headers={"HX-Request": "true"}
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"/travaux/{Job.objects.get().pk}/"
    polled = client.get(response["HX-Redirect"] + "etat/", headers={"HX-Request": "true"})
    assert polled["HX-Redirect"].endswith(f"/scenarios/{SelectionRun.objects.get().pk}/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_scenarios_job_is_followed_by_the_committee_of_its_call_only(
    client, personas, world, persona
):
    call = world["35238"].call
    job = jobs.start_scenario(
        acting_user=personas["committee"],
        call=call,
        name="Essai",
        parameters=ScenarioParameters(envelope=Decimal("150000.00"), max_awards=2),
    )
    response = client_for(client, personas, persona).get(f"/travaux/{job.pk}/etat.json")
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona in COMMITTEE:
        assert response.json()["status"] == "done", persona
    else:
        assert response.status_code == 404, persona


def test_a_scenarios_job_run_twice_stores_one_run_and_one_event(client, personas, world, settings):
    call = world["35238"].call
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    job = jobs.start_scenario(
        acting_user=personas["committee"],
        call=call,
        name="Essai",
        parameters=ScenarioParameters(envelope=Decimal("150000.00"), max_awards=2),
    )
    first = jobs.solve_scenario(job, lambda done, total, label="": None)
    second = jobs.solve_scenario(job, lambda done, total, label="": None)  # a runner that died
    assert first == second and SelectionRun.objects.get().job_id == job.pk
    assert AuditEvent.objects.filter(action="selection.run").count() == 1
    assert job_services.run_job.call(str(job.pk)) == "done"
    assert SelectionRun.objects.count() == 1
    assert Job.objects.get(pk=job.pk).result["url"] == first.url


def test_an_invalid_form_says_what_to_fix_and_runs_nothing(client, personas, world):
    client.force_login(personas["committee"])
    call = world["35238"].call
    response = client.post(
        reverse("selection:run", args=[call.slug]), form_data(min_awards="3", max_awards="1")
    )
    assert "dépasse le maximum" in response.content.decode()
    assert not SelectionRun.objects.exists()


def test_the_comparison_shows_both_selections_and_their_maps(client, personas, runs):
    client.force_login(personas["committee"])
    slug = runs[0].call.slug
    response = client.get(
        reverse("selection:compare", args=[slug]) + f"?a={runs[0].pk}&b={runs[1].pk}"
    )
    content = response.content.decode()
    assert "Notes seules" in content and "Territoire" in content
    assert content.count("<svg") == 4  # before and after for each scenario
    assert 'id="side-1"' in content and 'id="side-2"' in content


def test_freezing_from_the_page_is_audited_and_lists_the_decisions(client, personas, runs):
    client.force_login(personas["manager"])
    slug = runs[0].call.slug
    response = client.post(reverse("selection:freeze", args=[slug, runs[1].pk]), follow=True)
    job = Job.objects.get(kind="selection.freeze")
    assert response.redirect_chain == [
        (f"/travaux/{job.pk}/", 303),
        (f"/comite/appels/{slug}/decisions/", 302),
    ]
    assert job.result == {"decisions": 4, "url": f"/comite/appels/{slug}/decisions/"}
    assert Decision.objects.filter(run=runs[1]).count() == 4
    assert AuditEvent.objects.filter(action="selection.frozen").count() == 1
    again = client.post(reverse("selection:freeze", args=[slug, runs[0].pk]), follow=True)
    assert "déjà figé" in again.content.decode()
    assert Decision.objects.count() == 4
    assert Job.objects.filter(kind="selection.freeze").count() == 1  # refused before any job
    # The job run again (a worker that died after the commit): nothing is decided twice.
    assert jobs.freeze_run(job, lambda done, total, label="": None).url.endswith("/decisions/")
    assert AuditEvent.objects.filter(action="selection.frozen").count() == 1


def test_the_committee_reads_the_solvers_outcome_in_words(client, personas, runs):
    client.force_login(personas["committee"])
    slug = runs[0].call.slug
    listing = client.get(reverse("selection:committee", args=[slug])).content.decode()
    page = client.get(reverse("selection:run_detail", args=[slug, runs[0].pk])).content.decode()
    for html in (listing, page):
        assert "Optimum prouvé" in html and ">optimal<" not in html


def test_every_link_of_the_decisions_page_opens_for_the_committee(client, personas, runs):
    client.force_login(personas["manager"])
    slug = runs[0].call.slug
    client.post(reverse("selection:freeze", args=[slug, runs[1].pk]))
    client.force_login(personas["committee"])
    page = client.get(f"/comite/appels/{slug}/decisions/").content.decode()
    links = set(re.findall(r'href="(/(?:candidatures|comite)/[^"]+)"', page))
    assert any("/decision/" in link for link in links)
    for link in links:
        answer = client.get(link)
        assert answer.status_code == 200, link
        if not answer["Content-Type"].startswith("text/html"):
            continue  # a decision letter
        for inner in re.findall(
            r'href="(/(?:candidatures|comite)/[^"]+)"', answer.content.decode()
        ):
            assert client.get(inner).status_code in {200, 302}, (link, inner)
