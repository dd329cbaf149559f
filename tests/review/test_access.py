"""Every instruction and review page tried with every persona; refusals change nothing."""

import pytest
from django.urls import reverse

from pollen.applications.models import Application, Status
from pollen.audit.models import AuditEvent
from pollen.review import expert_services
from pollen.review.models import Assignment, ConflictDeclaration, ExpertProfile, PairRule
from tests.conftest import PERSONAS, STAFF, client_for
from tests.review.conftest import mark_complete


@pytest.fixture
def assigned(world, experts, personas):
    """Application A complete and assigned to the expert persona (and one more expert)."""
    a = mark_complete(world["a"], personas["instructor"])
    expert_services.assign_experts(
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
        reverse("review:list", args=[slug]),
        reverse("review:list", args=[slug]) + "?status=submitted&sort=title&per_page=50",
        reverse("review:export_csv", args=[slug]),
        reverse("review:export_xlsx", args=[slug]),
        reverse("review:pairs", args=[slug]),
        reverse("review:experts"),
    ):
        assert fetch(c, url) == expected, url


@pytest.mark.parametrize("name", PERSONAS)
def test_the_ranking_is_for_the_team_and_the_committee(client, personas, world, name):
    c = client_for(client, personas, name)
    readers = STAFF | {"committee"}
    expected = 302 if name == "anonymous" else (200 if name in readers else 403)
    assert fetch(c, reverse("review:ranking", args=[world["call"].slug])) == expected
    index = {"anonymous": 302, "expert": 302}.get(name, 200 if name in readers else 403)
    assert fetch(c, reverse("review:index")) == index


@pytest.mark.parametrize("name", PERSONAS)
def test_the_message_thread_is_the_team_s_and_the_applicant_s(client, personas, world, name):
    c = client_for(client, personas, name)
    expected = {"anonymous": 302, "applicant": 200}.get(name, 200 if name in STAFF else 404)
    assert fetch(c, reverse("review:thread", args=[world["a"].pk])) == expected


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_team_declares_an_application_complete(client, personas, world, name):
    c = client_for(client, personas, name)
    before = AuditEvent.objects.count()
    response = c.post(reverse("review:completeness", args=[world["a"].pk]), {"action": "complete"})
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
        reverse("review:bulk", args=[slug]),
        {"ids": [world["a"].pk], "action": "corrections", "message": "RIB illisible"},
    )
    c.post(reverse("review:assign", args=[slug]))
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
        reverse("review:pairs", args=[slug]),
        {"application": world["b"].pk, "expert": experts["lyon"].pk, "kind": "force"},
    )
    c.post(reverse("review:pair_delete", args=[slug, rule.pk]))
    assert PairRule.objects.filter(pk=rule.pk).exists() is (name not in STAFF)
    assert PairRule.objects.filter(application=world["b"]).exists() is (name in STAFF)


@pytest.mark.parametrize("name", PERSONAS)
def test_the_expert_pages_are_for_experts(client, personas, world, experts, name):
    c = client_for(client, personas, name)
    expected = 302 if name == "anonymous" else (200 if name == "expert" else 403)
    assert fetch(c, reverse("review:my_reviews")) == expected
    assert fetch(c, reverse("review:my_profile")) == expected
    c.post(
        reverse("review:declare_conflict"),
        {"application": world["b"].pk, "reason": "Ancien salarié"},
    )
    assert ConflictDeclaration.objects.exists() is (name == "expert")


@pytest.mark.parametrize("name", PERSONAS)
def test_only_the_assigned_expert_opens_the_review_form(client, personas, assigned, name):
    c = client_for(client, personas, name)
    expected = {"anonymous": 302, "expert": 200}.get(name, 404)
    assert fetch(c, reverse("review:review", args=[assigned.pk])) == expected


@pytest.mark.parametrize("name", PERSONAS)
def test_reviews_are_read_by_the_team_and_the_committee(client, personas, assigned, name):
    c = client_for(client, personas, name)
    readers = STAFF | {"committee"}
    # The expert has not rendered their review yet: other reviews stay hidden from them.
    expected = {"anonymous": 302}.get(name, 200 if name in readers else 404)
    assert fetch(c, reverse("review:application_reviews", args=[assigned.pk])) == expected


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
    assert fetch(client, reverse("review:review", args=[assigned.pk])) == 404
    assert fetch(client, reverse("applications:detail", args=[assigned.pk])) == 404
