"""Running scenarios, re-deriving them from the stored problem, freezing one into decisions."""

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from pollen.applications.models import Application, Status
from pollen.audit.models import AuditEvent
from pollen.selection import services
from pollen.selection.adapters import ScenarioParameters
from pollen.selection.models import Decision, Outcome, SelectionRun
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def parameters(**changes: Any) -> ScenarioParameters:
    base = ScenarioParameters(
        envelope=Decimal("150000.00"), max_awards=2, coverage_weight=Decimal("0")
    )
    return dataclasses.replace(base, **changes)


def scenario(world, user, name="A", **changes):
    call = next(iter(world.values())).call
    return services.run_scenario(
        acting_user=user, call=call, name=name, parameters=parameters(**changes)
    )


def test_it_stores_the_run_with_its_problem_solver_result_and_explanations(world, personas):
    run = scenario(world, personas["committee"])
    assert run.status == "optimal"
    assert run.solver_version.startswith("scipy ") and "HiGHS" in run.solver_version
    expected = sorted(str(world[c].pk) for c in ("35238", "29232"))  # the two best scores
    assert sorted(run.selected_ids) == expected
    assert {e["id"] for e in run.explanations} == {str(a.pk) for a in world.values()}
    assert all(e["message"] for e in run.explanations)
    assert set(run.figures) == {"optimum", "ranking", "score_per_euro"}
    assert json.loads(run.problem)["envelope_eur"] == "150000.00"
    event = AuditEvent.objects.get(action="selection.run")
    assert event.object_id == str(run.pk) and event.actor == personas["committee"]


def test_the_stored_problem_re_derives_the_same_selection_with_the_command(
    world, personas, tmp_path, capsys
):
    run = scenario(
        world, personas["committee"], coverage_weight=Decimal("3"), radius_km=Decimal("30")
    )
    path = tmp_path / "problem.json"
    path.write_text(run.problem, encoding="utf-8")
    call_command("select_portfolio", str(path))
    answer = json.loads(capsys.readouterr().out)
    assert answer["selected"] == run.result["selected"]
    assert answer["objective"] == run.result["objective"]


def test_coverage_weight_changes_the_selection_towards_the_uncovered_territory(world, personas):
    # Lyon is scored lowest, but with a large weight its 522,250 inhabitants outweigh the score.
    plain = scenario(world, personas["committee"], name="plain")
    spread = scenario(world, personas["committee"], name="spread", coverage_weight=Decimal("10"))
    assert str(world["69123"].pk) not in plain.selected_ids
    assert str(world["69123"].pk) in spread.selected_ids


def test_an_infeasible_scenario_is_stored_with_its_reason(world, personas):
    run = scenario(world, personas["committee"], min_awards=3, max_awards=3)
    assert run.status == "infeasible"
    assert "3 lauréats" in run.result["reason"]
    assert services.can_freeze_reason(run)


def test_freezing_sets_statuses_and_writes_one_letter_per_applicant(world, personas):
    run = scenario(world, personas["committee"])
    decisions = services.freeze_run(acting_user=personas["manager"], run=run)
    assert len(decisions) == len(world) == Decision.objects.count()
    statuses = {a.pk: a.status for a in Application.objects.all()}
    assert statuses[world["35238"].pk] == Status.SELECTED
    assert statuses[world["29232"].pk] == Status.SELECTED
    # Left out: the waiting list, best score first.
    brest, lyon = (
        Decision.objects.get(application=world["29019"]),
        Decision.objects.get(application=world["69123"]),
    )
    assert (brest.outcome, brest.waitlist_rank) == (Outcome.WAITLISTED, 1)
    assert (lyon.outcome, lyon.waitlist_rank) == (Outcome.WAITLISTED, 2)
    assert statuses[world["29019"].pk] == Status.WAITLISTED
    for decision in Decision.objects.all():
        letter = pdf_text(bytes(decision.letter_pdf))
        assert bytes(decision.letter_pdf).startswith(b"%PDF")
        assert decision.reason and "RÉPUBLIQUE FRANÇAISE" in letter
        assert "recours gracieux" in letter and "tribunal administratif" in letter
        assert "deux mois" in letter
        for jargon in ("HiGHS", "scipy", "solveur", "SHA-256"):  # in the scenario's annex only
            assert jargon not in letter, jargon
    assert AuditEvent.objects.filter(action="application.decided").count() == len(world)
    assert AuditEvent.objects.filter(action="selection.frozen", object_id=str(run.pk)).exists()
    run.refresh_from_db()
    assert run.frozen_by == personas["manager"]


def test_candidates_beyond_the_waiting_list_or_below_the_minimum_score_are_rejected(
    world, personas
):
    run = scenario(world, personas["committee"], max_awards=1, min_score=Decimal("3"))
    services.freeze_run(acting_user=personas["committee"], run=run)
    lyon = Decision.objects.get(application=world["69123"])  # 2.5 < 3
    assert lyon.outcome == Outcome.REJECTED
    assert Application.objects.get(pk=world["69123"].pk).status == Status.REJECTED
    assert "note minimale" in lyon.reason


def test_only_one_scenario_can_be_frozen_per_call(world, personas):
    first, second = (
        scenario(world, personas["committee"]),
        scenario(world, personas["committee"], "B"),
    )
    services.freeze_run(acting_user=personas["manager"], run=first)
    with pytest.raises(services.SelectionError, match="déjà figé"):
        services.freeze_run(acting_user=personas["manager"], run=second)
    assert SelectionRun.objects.filter(frozen_at__isnull=False).count() == 1
    assert Decision.objects.filter(run=second).count() == 0


def test_a_scenario_is_not_frozen_when_an_application_changed_since(world, personas):
    run = scenario(world, personas["committee"])
    Application.objects.filter(pk=world["29019"].pk).update(status=Status.CORRECTIONS)
    with pytest.raises(services.SelectionError, match="ont changé"):
        services.freeze_run(acting_user=personas["manager"], run=run)
    assert not Decision.objects.exists()
    assert Application.objects.get(pk=world["35238"].pk).status == Status.SUBMITTED


def test_unscored_applications_are_left_out_and_said_so(world, personas, call_2013):
    from pollen.expertise.models import ScoreSummary

    ScoreSummary.objects.filter(application=world["69123"]).delete()
    run = scenario(world, personas["committee"])
    ids = {c["id"] for c in json.loads(run.problem)["candidates"]}
    assert str(world["69123"].pk) not in ids and len(ids) == 3
