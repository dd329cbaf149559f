"""Assignment from the database: conflicts never assigned, loads kept, forced and forbidden pairs."""

import random
from decimal import Decimal

import pytest
from django.urls import reverse

from pollen.accounts.models import Organisation
from pollen.applications.models import Application, Status
from pollen.audit.models import AuditEvent
from pollen.expertise import review_services
from pollen.expertise import services as expertise_services
from pollen.expertise.models import Assignment, ConflictDeclaration
from pollen.expertise.services import ExpertiseError
from pollen.instruction import assignment_adapter, assignment_services
from pollen.instruction import jobs as instruction_jobs
from pollen.instruction.models import AssignmentRun, PairKind
from pollen.instruction.services import InstructionError
from pollen.jobs import services as job_services
from pollen.jobs.models import Job
from pollen.mailing.models import OutgoingMail
from tests.instruction.conftest import make_expert, mark_complete, new_expert


@pytest.fixture
def complete(world, personas):
    """Both applications complete; their fablabs own machines (so they call for that expertise)."""
    Organisation.objects.update(machines=["laser_cutter"])
    return [mark_complete(world[k], personas["instructor"]) for k in ("a", "b")]


@pytest.fixture
def tempting(complete, personas):
    """Conflicted experts who share the applications' expertise, and two neutral ones."""
    same_org = new_expert(
        "same-org@test.example",
        commune="75056",
        organisation="FABLAB  de rennes",
        tags=("machines",),
    )
    same_dep = new_expert("quimper@test.example", commune="29232", tags=("machines",))
    declared = new_expert("declared@test.example", commune="69123", tags=("machines",))
    expertise_services.declare_conflict(
        acting_user=declared.user, profile=declared, application=complete[0], reason="Associé"
    )
    neutral = [new_expert(f"neutral{i}@test.example", commune="75056") for i in (1, 2)]
    return {"same_org": same_org, "same_dep": same_dep, "declared": declared, "neutral": neutral}


def run(call, applications, user):
    return assignment_services.assign_experts(
        acting_user=user, call=call, applications=applications
    )


def pairs():
    return {
        (a.application_id, a.expert.user.email)
        for a in Assignment.objects.select_related("expert__user")
    }


def test_conflicted_experts_are_never_assigned_even_with_the_best_affinity(
    world, personas, complete, tempting
):
    a, b = complete
    outcome = run(world["call"], complete, personas["instructor"])
    assert outcome.result.feasible
    assigned = pairs()
    assert (
        a.pk,
        "same-org@test.example",
    ) not in assigned  # same organisation, case and spaces aside
    assert (a.pk, "declared@test.example") not in assigned  # declared
    assert (b.pk, "quimper@test.example") not in assigned  # same département, as the call says
    # Where they are free of conflict, the matching experts win over the neutral ones.
    assert (b.pk, "same-org@test.example") in assigned
    assert (b.pk, "declared@test.example") in assigned
    assert (a.pk, "quimper@test.example") in assigned
    for assignment in Assignment.objects.select_related("application__organisation__commune"):
        assert (
            assignment_adapter.conflict_of(world["call"], assignment.application, assignment.expert)
            is None
        )


def test_random_worlds_never_assign_a_conflicted_pair(world, personas, complete):
    rng = random.Random(7)
    communes = ["75056", "69123", "29232", "29019", "35238"]
    for i in range(8):
        new_expert(
            f"random{i}@test.example",
            commune=rng.choice(communes),
            organisation=rng.choice(["", "Fablab de Brest", "Université"]),
            tags=tuple(rng.sample(["machines", "education", "rural"], 2)),
            max_load=rng.randint(1, 2),
        )
    for profile in rng.sample(list(expertise_services.selectors.experts()), 3):
        expertise_services.declare_conflict(
            acting_user=profile.user, profile=profile, application=rng.choice(complete), reason="x"
        )
    outcome = run(world["call"], complete, personas["instructor"])
    assert outcome.result.feasible
    for assignment in Assignment.objects.select_related("application__organisation", "expert"):
        assert (
            assignment_adapter.conflict_of(world["call"], assignment.application, assignment.expert)
            is None
        )
    assert Assignment.objects.filter(application=complete[0]).count() == 2


def test_loads_count_assignments_elsewhere(world, personas, complete):
    only = new_expert("only@test.example", commune="75056", max_load=1)
    new_expert("other@test.example", commune="69123", max_load=5)
    run(world["call"], complete[:1], personas["instructor"])
    assert Assignment.objects.filter(expert=only).count() == 1
    outcome = run(world["call"], complete[1:], personas["instructor"])
    # The only expert left with room is "other": one expert for two seats, so it cannot be done.
    assert not outcome.result.feasible
    assert {r.code for r in outcome.result.reasons} & {
        "too_few_experts_without_conflict",
        "capacity_short",
        "local_capacity_short",
    }


def test_forced_and_forbidden_pairs_are_obeyed(world, personas, complete, tempting):
    a, _b = complete
    n1, _n2 = tempting["neutral"]
    assignment_services.set_pair_rule(
        acting_user=personas["instructor"], application=a, profile=n1, kind=PairKind.FORCE
    )
    assignment_services.set_pair_rule(
        acting_user=personas["instructor"],
        application=a,
        profile=tempting["same_dep"],
        kind=PairKind.FORBID,
    )
    run(world["call"], complete, personas["instructor"])
    assigned = pairs()
    assert (a.pk, n1.user.email) in assigned
    assert (a.pk, "quimper@test.example") not in assigned
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"review.pair_rule_set", "review.experts_assigned"} <= actions


def test_forcing_a_conflicted_pair_is_refused_with_the_reason(world, personas, complete, tempting):
    with pytest.raises(InstructionError, match="même organisation"):
        assignment_services.set_pair_rule(
            acting_user=personas["instructor"],
            application=complete[0],
            profile=tempting["same_org"],
            kind=PairKind.FORCE,
        )


def test_an_impossible_assignment_shows_what_to_relax_and_stores_nothing(
    client, world, personas, complete
):
    new_expert("alone@test.example", commune="75056")
    client.force_login(personas["instructor"])
    response = client.post(reverse("instruction:assign", args=[world["call"].slug]))
    job = Job.objects.get(kind="instruction.assignment")
    assert (response.status_code, response["Location"]) == (303, f"/travaux/{job.pk}/")
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-error"' in page and "Rien n&#x27;a été enregistré" in page
    assert "Atelier laser à Rennes" in page  # the ids of the reason, named
    assert job.status == "failed"
    assert not Assignment.objects.exists() and not AssignmentRun.objects.exists()


def test_the_assignment_runs_as_a_job_and_the_list_says_what_it_did(
    client, world, personas, complete, tempting
):
    client.force_login(personas["instructor"])
    url = reverse("instruction:assign", args=[world["call"].slug])
    response = client.post(url, {"return_query": "sort=title&q=a"}, follow=True)
    job = Job.objects.get(kind="instruction.assignment")
    back = f"/instruction/appels/{world['call'].slug}/?sort=title&q=a&affectation={job.pk}"
    assert response.redirect_chain == [(f"/travaux/{job.pk}/", 303), (back, 302)]
    run = AssignmentRun.objects.get()
    assert (job.status, run.job_id, run.applications, run.created) == ("done", job.pk, 2, 4)
    page = response.content.decode()
    assert (
        f"Affectation enregistrée : 2 candidature(s), 4 nouvelle(s) affectation(s), "
        f"affinité totale {run.total_affinity}"
    ) in page
    assert 'export.csv?sort=title&amp;q=a"' in page  # the list's links do not carry the job
    # Someone else's job: its page is a 404, and the list says nothing of it.
    client.force_login(personas["expert"])
    assert client.get(f"/travaux/{job.pk}/").status_code == 404
    client.force_login(personas["manager"])
    assert "Affectation enregistrée" in client.get(back).content.decode()  # the call's team


def test_an_assignment_job_run_twice_assigns_once(world, personas, complete, tempting, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    job = instruction_jobs.start_assignment(
        acting_user=personas["instructor"],
        call=world["call"],
        application_ids=[a.pk for a in complete],
        return_query="",
    )
    first = instruction_jobs.assign(job, lambda done, total, label="": None)
    pairs_after_first = pairs()
    events = AuditEvent.objects.filter(action="review.experts_assigned").count()
    mails = OutgoingMail.objects.count()
    # A runner that died after the commit: the job runs again, through the task this time.
    assert job_services.run_job.call(str(job.pk)) == "done"
    second = Job.objects.get(pk=job.pk).result
    assert second == {**first.data, "url": first.url}
    assert pairs() == pairs_after_first and len(pairs_after_first) == 4
    assert AuditEvent.objects.filter(action="review.experts_assigned").count() == events == 2
    assert OutgoingMail.objects.count() == mails
    assert AssignmentRun.objects.get().job_id == job.pk


def test_rerunning_replaces_pending_assignments_and_keeps_started_reviews(
    world, personas, complete, tempting
):
    a, b = complete
    run(world["call"], complete, personas["instructor"])
    started = Assignment.objects.filter(application=a).first()
    review_services.save_review(
        acting_user=started.expert.user,
        assignment=started,
        marks={"quality": Decimal(3)},
        comments="",
        recommendation="",
        submit=False,
    )
    # A new expert with a better match arrives; the pending seats may move, the started one stays.
    new_expert("newcomer@test.example", commune="75056", tags=("machines",))
    run(world["call"], complete, personas["instructor"])
    assert Assignment.objects.filter(pk=started.pk).exists()
    assert Assignment.objects.filter(application=a).count() == 2
    assert Assignment.objects.filter(application=b).count() == 2
    assert ("newcomer@test.example") in {e for _a, e in pairs()}


def test_declaring_a_conflict_withdraws_a_pending_assignment_but_not_a_rendered_review(
    world, personas, complete, experts
):
    a = complete[0]
    run(world["call"], [a], personas["instructor"])
    paris = experts["paris"]
    assert Assignment.objects.filter(application=a, expert=paris).exists()
    expertise_services.declare_conflict(
        acting_user=paris.user, profile=paris, application=a, reason="Je connais le porteur"
    )
    assert not Assignment.objects.filter(application=a, expert=paris).exists()
    assert ConflictDeclaration.objects.filter(expert=paris, application=a).exists()

    b = complete[1]
    run(world["call"], [b], personas["instructor"])
    assignment = Assignment.objects.filter(application=b).first()
    marks = {c.id: Decimal(4) for c in world["call"].spec.scoring.criteria}
    review_services.save_review(
        acting_user=assignment.expert.user,
        assignment=assignment,
        marks=marks,
        comments="",
        recommendation="fund",
        submit=True,
    )
    with pytest.raises(ExpertiseError, match="déjà rendu"):
        expertise_services.declare_conflict(
            acting_user=assignment.expert.user, profile=assignment.expert, application=b, reason="x"
        )


def test_only_submitted_or_complete_applications_are_assigned(world, personas, experts):
    Application.objects.filter(pk=world["a"].pk).update(status=Status.DRAFT)
    with pytest.raises(InstructionError):
        run(world["call"], [world["a"]], personas["instructor"])


def test_the_expert_profile_page_saves_tags_commune_and_load(client, personas, world):
    client.force_login(personas["expert"])
    response = client.post(
        reverse("expertise:my_profile"),
        {
            "tags": ["machines", "rural"],
            "organisation_name": "Université",
            "commune": "Rennes (35) — 35238",
            "max_load": "4",
        },
    )
    assert response.url == reverse("expertise:my_reviews")
    profile = personas["expert"].expert_profile
    assert (profile.tags, profile.commune_id, profile.max_load) == (
        ["machines", "rural"],
        "35238",
        4,
    )
    assert AuditEvent.objects.filter(action="expert.profile_saved").count() == 1


def test_application_tags_come_from_its_data(world):
    a = Application.objects.select_related("organisation__commune").get(pk=world["a"].pk)
    a.organisation.machines = ["3d_printer"]
    a.kind = "creation"
    a.summary = "Des ateliers pour les scolaires et les entreprises du quartier."
    assert assignment_adapter.application_tags(a) == {
        "machines",
        "business_model",
        "education",
        "entrepreneurship",
        "social_inclusion",
    }


def test_make_expert_updates_in_place(personas, world):
    first = make_expert(personas["expert"], max_load=2)
    second = make_expert(personas["expert"], max_load=3)
    assert first.pk == second.pk and second.max_load == 3
