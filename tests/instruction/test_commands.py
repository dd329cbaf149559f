"""python manage.py assign_experts FILE.json: 0 with the assignment, 1 when infeasible, 2 when invalid."""

import json

import pytest
from django.core.management import call_command


def run(tmp_path, capsys, content):
    path = tmp_path / "input.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        call_command("assign_experts", str(path))
    return exit_.value.code, capsys.readouterr()


PROBLEM = {
    "reviewers_per_application": 2,
    "conflict_same_departement": True,
    "applications": [
        {
            "id": "A1",
            "organisation": "Fablab de Rennes",
            "commune_insee": "35238",
            "tags": ["laser"],
        },
        {
            "id": "A2",
            "organisation": "Fablab de Brest",
            "commune_insee": "29019",
            "tags": ["rural"],
        },
    ],
    "experts": [
        {"id": "E1", "max_load": 2, "commune_insee": "29232", "tags": ["laser", "rural"]},
        {"id": "E2", "max_load": 2, "organisation": "fablab de rennes", "tags": ["laser"]},
        {"id": "E3", "max_load": 2, "commune_insee": "75056", "tags": ["rural"]},
        {"id": "E4", "max_load": 2, "tags": [], "conflicts": ["A2"]},
    ],
}


def test_it_prints_the_optimal_assignment_and_exits_0(tmp_path, capsys):
    code, out = run(tmp_path, capsys, PROBLEM)
    assert code == 0
    result = json.loads(out.out)
    # E1 shares Brest's département, E2 is Rennes' organisation, E4 declared A2.
    assert result == {"assignments": {"A1": ["E1", "E3"], "A2": ["E2", "E3"]}, "total_affinity": 2}


def test_it_explains_an_infeasible_problem_and_exits_1(tmp_path, capsys):
    problem = dict(PROBLEM, experts=PROBLEM["experts"][:2])
    code, out = run(tmp_path, capsys, problem)
    assert code == 1
    result = json.loads(out.out)
    assert result["feasible"] is False
    reason = result["reasons"][0]
    assert reason["code"] == "too_few_experts_without_conflict"
    assert set(reason["applications"]) == {"A1", "A2"}
    assert "moins de 2 experts sans conflit" in reason["message"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "pas du JSON valide"),
        ({"applications": [], "experts": []}, "reviewers_per_application manque"),
        (
            dict(PROBLEM, experts=[{"id": "E1"}]),
            "experts[0].max_load manque",
        ),
    ],
)
def test_it_rejects_an_invalid_file_with_the_field_and_exits_2(tmp_path, capsys, content, message):
    code, out = run(tmp_path, capsys, content)
    assert code == 2
    assert message in json.loads(out.out)["error"]
    assert message in out.err


def test_a_missing_file_is_invalid_too(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        call_command("assign_experts", str(tmp_path / "absent.json"))
    assert exit_.value.code == 2
