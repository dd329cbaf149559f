"""Every instruction page tried with every persona; refusals change nothing."""

import pytest
from django.urls import reverse

from pollen.applications.models import Application, Status
from pollen.audit.models import AuditEvent
from pollen.expertise.models import Assignment
from pollen.instruction.models import PairRule
from pollen.jobs.models import Job
from tests.conftest import PERSONAS, STAFF, client_for
from tests.instruction.conftest import mark_complete


def fetch(c, url):
    response = c.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


@pytest.mark.parametrize("name", PERSONAS)
def test_the_call_level_instruction_pages_are_for_the_programme_team(
    client, personas, world, experts, name
):
    c = client_for(client, personas, name)
    slug = world["call"].slug
    expected = 302 if name == "anonymous" else (200 if name in STAFF else 403)
    for url in (
        reverse("instruction:list", args=[slug]),
        reverse("instruction:list", args=[slug]) + "?status=submitted&sort=title&per_page=50",
        reverse("instruction:pairs", args=[slug]),
        reverse("instruction:experts"),
    ):
        assert fetch(c, url) == expected, url
    # The exports are jobs: 303 to the job's page for the team, refused before any job otherwise.
    for name_ in ("instruction:export_csv", "instruction:export_xlsx"):
        url = reverse(name_, args=[slug])
        assert fetch(c, url) == (303 if expected == 200 else expected), url
    assert Job.objects.count() == (2 if expected == 200 else 0)


@pytest.mark.parametrize("name", PERSONAS)
def test_the_message_thread_is_the_team_s_and_the_applicant_s(client, personas, world, name):
    c = client_for(client, personas, name)
    expected = {"anonymous": 302, "applicant": 200}.get(name, 200 if name in STAFF else 404)
    assert fetch(c, reverse("instruction:thread", args=[world["a"].pk])) == expected


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_team_declares_an_application_complete(client, personas, world, name):
    c = client_for(client, personas, name)
    before = AuditEvent.objects.count()
    response = c.post(
        reverse("instruction:completeness", args=[world["a"].pk]), {"action": "complete"}
    )
    status = Application.objects.get(pk=world["a"].pk).status
    if name in STAFF:
        assert status == Status.COMPLETE
    else:
        assert response.status_code in {302, 404}
        assert status == Status.SUBMITTED
        assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_team_runs_bulk_actions_and_the_assignment(client, personas, world, experts, name):
    c = client_for(client, personas, name)
    slug = world["call"].slug
    mark_complete(world["b"], personas["instructor"])
    c.post(
        reverse("instruction:bulk", args=[slug]),
        {"ids": [world["a"].pk], "action": "corrections", "message": "RIB illisible"},
    )
    c.post(reverse("instruction:assign", args=[slug]))
    changed = Application.objects.get(pk=world["a"].pk).round == 2
    assigned = Assignment.objects.filter(application=world["b"]).exists()
    assert changed is (name in STAFF)
    assert assigned is (name in STAFF)


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_team_forces_or_forbids_a_pair(client, personas, world, experts, name):
    c = client_for(client, personas, name)
    slug = world["call"].slug
    rule = PairRule.objects.create(
        application=world["a"],
        expert=experts["lyon"],
        kind="forbid",
        created_by=personas["instructor"],
        created_at=world["a"].updated_at,
    )
    c.post(
        reverse("instruction:pairs", args=[slug]),
        {"application": world["b"].pk, "expert": experts["lyon"].pk, "kind": "force"},
    )
    c.post(reverse("instruction:pair_delete", args=[slug, rule.pk]))
    assert PairRule.objects.filter(pk=rule.pk).exists() is (name not in STAFF)
    assert PairRule.objects.filter(application=world["b"]).exists() is (name in STAFF)
