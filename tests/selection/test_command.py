"""select_portfolio on small files: exit 0 with the selection, 1 when infeasible, 2 when invalid."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def problem(**changes):
    data = {
        "envelope_eur": "150000.00",
        "awards": {"min": 0, "max": 2},
        "radius_km": 20,
        "coverage_weight": 0,
        "candidates": [
            {"id": "a", "score": 4.0, "amount_eur": "70000.00", "commune_insee": "35238"},
            {"id": "b", "score": 3.0, "amount_eur": "70000.00", "commune_insee": "29019"},
            {"id": "c", "score": 3.5, "amount_eur": "90000.00", "commune_insee": "69123"},
        ],
        "existing_places": [{"commune_insee": "75056", "label": "Lieu de Paris"}],
    }
    data.update(changes)
    return data


def run(tmp_path, capsys, data, raw=None):
    path = tmp_path / "problem.json"
    path.write_text(raw if raw is not None else json.dumps(data), encoding="utf-8")
    code = 0
    try:
        call_command("select_portfolio", str(path))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_it_prints_the_optimal_selection_and_both_baselines(territory, tmp_path, capsys):
    code, out, _err = run(tmp_path, capsys, problem())
    answer = json.loads(out)
    assert code == 0
    assert answer["status"] == "optimal"
    assert answer["selected"] == ["a", "b"]
    assert answer["spent_eur"] == "140000.00"
    assert set(answer["baselines"]) == {"ranking", "score_per_euro"}


def test_it_exits_1_with_the_reason_when_no_portfolio_meets_the_rules(territory, tmp_path, capsys):
    code, out, _err = run(tmp_path, capsys, problem(awards={"min": 3, "max": 3}))
    answer = json.loads(out)
    assert code == 1
    assert answer["status"] == "infeasible"
    assert "3 lauréats" in answer["reason"]


@pytest.mark.parametrize(
    ("changes", "raw", "expected"),
    [
        ({"candidates": [{"id": "x", "score": 1, "amount_eur": "1", "commune_insee": "99999"}]}, None, "99999"),
        ({"envelope_eur": "-5"}, None, "négatif"),
        ({"awards": {"min": 3, "max": 1}}, None, "dépasse le maximum"),
        ({}, "{not json", "JSON valide"),
    ],
)  # fmt: skip
def test_it_exits_2_with_a_french_message_on_an_invalid_file(
    territory, tmp_path, capsys, changes, raw, expected
):
    code, out, err = run(tmp_path, capsys, problem(**changes), raw=raw)
    assert code == 2
    assert out == ""
    assert expected in err


def test_it_exits_2_when_the_file_does_not_exist(territory, tmp_path, capsys):
    code = 0
    try:
        call_command("select_portfolio", str(tmp_path / "absent.json"))
    except SystemExit as exc:
        code = int(exc.code or 0)
    assert code == 2
    assert "Fichier illisible" in capsys.readouterr().err
