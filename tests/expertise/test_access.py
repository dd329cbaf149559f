"""Every expert, review and ranking page tried with every persona; refusals change nothing."""

import pytest
from django.urls import reverse

from pollen.expertise.models import Assignment, ConflictDeclaration, ExpertProfile
from pollen.instruction import assignment_services
from pollen.jobs.models import Job
from tests.conftest import PERSONAS, STAFF, client_for
from tests.instruction.conftest import mark_complete


@pytest.fixture
def assigned(world, experts, personas):
    """Application A complete and assigned to the expert persona (and one more expert)."""
    a = mark_complete(world["a"], personas["instructor"])
    assignment_services.assign_experts(
        acting_user=personas["instructor"], call=world["call"], applications=[a]
    )
    assert Assignment.objects.filter(application=a, expert=experts["paris"]).exists()
    return a


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
def test_the_ranking_is_for_the_team_and_the_committee(client, personas, world, name):
    c = client_for(client, personas, name)
    readers = STAFF | {"committee"}
    expected = 302 if name == "anonymous" else (200 if name in readers else 403)
    assert fetch(c, reverse("expertise:ranking", args=[world["call"].slug])) == expected
    index = {"anonymous": 302, "expert": 302}.get(name, 200 if name in readers else 403)
    assert fetch(c, reverse("instruction:index")) == index


@pytest.mark.parametrize("name", PERSONAS)
def test_the_expert_pages_are_for_experts(client, personas, world, experts, name):
    c = client_for(client, personas, name)
    expected = 302 if name == "anonymous" else (200 if name == "expert" else 403)
    assert fetch(c, reverse("expertise:my_reviews")) == expected
    assert fetch(c, reverse("expertise:my_profile")) == expected
    c.post(
        reverse("expertise:declare_conflict"),
        {"application": world["b"].pk, "reason": "Ancien salarié"},
    )
    assert ConflictDeclaration.objects.exists() is (name == "expert")


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_assigned_expert_opens_the_review_form(client, personas, assigned, name):
    c = client_for(client, personas, name)
    expected = {"anonymous": 302, "expert": 200}.get(name, 404)
    assert fetch(c, reverse("expertise:review", args=[assigned.pk])) == expected


@pytest.mark.parametrize("name", PERSONAS)
def test_reviews_are_read_by_the_team_and_the_committee(client, personas, assigned, name):
    c = client_for(client, personas, name)
    readers = STAFF | {"committee"}
    # The expert has not rendered their review yet: other reviews stay hidden from them.
    expected = {"anonymous": 302}.get(name, 200 if name in readers else 404)
    assert fetch(c, reverse("expertise:application_reviews", args=[assigned.pk])) == expected


def test_an_assigned_expert_reads_the_application_and_its_documents(
    client, personas, world, assigned
):
    client.force_login(personas["expert"])
    document = assigned.documents.first()
    assert fetch(client, reverse("applications:detail", args=[assigned.pk])) == 200
    assert fetch(client, reverse("applications:document", args=[assigned.pk, document.pk])) == 200
    # Not the application they were not given.
    assert fetch(client, reverse("applications:detail", args=[world["b"].pk])) == 404


def test_an_expert_without_assignment_reads_no_application(client, personas, world, experts):
    client.force_login(personas["expert"])
    assert fetch(client, reverse("applications:detail", args=[world["a"].pk])) == 404


def test_another_expert_cannot_open_a_review_form_by_its_url(client, world, assigned, experts):
    other = ExpertProfile.objects.exclude(
        pk__in=Assignment.objects.filter(application=assigned).values("expert_id")
    ).first()
    client.force_login(other.user)
    assert fetch(client, reverse("expertise:review", args=[assigned.pk])) == 404
    assert fetch(client, reverse("applications:detail", args=[assigned.pk])) == 404
