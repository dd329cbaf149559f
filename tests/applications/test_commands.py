"""Command line: check_application's verdicts and exit codes, export and import of the exchange format."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from pollen.applications.models import Application
from tests.builders import eligible_draft, organisation_for

ROOT = Path(__file__).resolve().parents[2]

VALID = {
    "call": "fablabs-2013",
    "applicant": {
        "name": "Fablab de Rennes",
        "siret": "73282932000074",
        "legal_form": "association",
        "commune_insee": "35238",
        "is_fablab": True,
    },
    "project": {
        "title": "Équiper l'atelier",
        "kind": "improvement",
        "summary": "Des machines pour tous",
    },
    "budget": {
        "expenses": [
            {"label": "Découpeuse laser", "category": "equipment", "amount_eur": "150000.00"},
            {"label": "Animation", "category": "staff", "amount_eur": 50000},
        ],
        "resources": [
            {
                "label": "Subvention",
                "kind": "requested_subsidy",
                "status": "requested",
                "amount_eur": "140000.00",
            },
            {
                "label": "Région Bretagne",
                "kind": "public",
                "status": "acquired",
                "amount_eur": 60000.00,
            },
        ],
    },
    "documents": ["statuts", "rib", "budget_detail", "cofunding_letters"],
    "submitted_at": "2013-09-13T23:59:59+02:00",
}


def run_check(tmp_path, payload, capsys) -> tuple[int, str]:
    path = tmp_path / "application.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload), encoding="utf-8")
    with pytest.raises(SystemExit) as exited:
        call_command("check_application", "--call", "fablabs-2013", str(path))
    return exited.value.code, capsys.readouterr().out


def test_it_prints_the_verdicts_and_exits_0_when_eligible(tmp_path, capsys, call_2013):
    code, out = run_check(tmp_path, VALID, capsys)
    result = json.loads(out)
    assert code == 0 and result["eligible"] is True
    assert {r["rule"] for r in result["results"]} >= {
        "subsidy_share",
        "deadline",
        "budget_balanced",
    }


def test_a_cent_above_seventy_percent_is_refused_and_shown_precisely(tmp_path, capsys, call_2013):
    text = json.dumps(VALID).replace('"140000.00"', "140000.01").replace("60000.0", "59999.99")
    code, out = run_check(tmp_path, text, capsys)
    share = next(r for r in json.loads(out)["results"] if r["rule"] == "subsidy_share")
    assert code == 1 and not share["passed"]
    assert "70,00001 %" in share["message"] and "ne peut dépasser 140 000,00 €" in share["message"]


def test_it_exits_1_and_names_the_rule_when_not_eligible(tmp_path, capsys, call_2013):
    late = {**VALID, "submitted_at": "2013-09-14T00:00:00+02:00"}
    code, out = run_check(tmp_path, late, capsys)
    failed = [r for r in json.loads(out)["results"] if not r["passed"]]
    assert code == 1 and [r["rule"] for r in failed] == ["deadline"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("{not json", "(fichier)"),
        ({k: v for k, v in VALID.items() if k != "budget"}, "budget"),
        (
            {
                **VALID,
                "budget": {
                    **VALID["budget"],
                    "expenses": [{"label": "x", "category": "equipment", "amount_eur": "douze"}],
                },
            },
            "budget.expenses[0].amount_eur",
        ),
        (
            {
                **VALID,
                "budget": {
                    **VALID["budget"],
                    "expenses": [{"label": "x", "category": "equipment", "amount_eur": "-5.00"}],
                },
            },
            "budget.expenses[0].amount_eur",
        ),
        (
            {
                **VALID,
                "budget": {
                    **VALID["budget"],
                    "expenses": [{"label": "x", "category": "yacht", "amount_eur": "5.00"}],
                },
            },
            "budget.expenses[0].category",
        ),
        ({**VALID, "project": {"title": "x", "kind": "demolition"}}, "project.kind"),
        (
            {
                **VALID,
                "applicant": {k: v for k, v in VALID["applicant"].items() if k != "is_fablab"},
            },
            "applicant.is_fablab",
        ),
        ({**VALID, "submitted_at": "demain"}, "submitted_at"),
    ],
)
def test_it_exits_2_on_an_invalid_file_naming_the_bad_field(
    tmp_path, capsys, call_2013, payload, field
):
    code, out = run_check(tmp_path, payload, capsys)
    assert code == 2
    assert json.loads(out)["error"]["field"] == field


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ('"100.000"', "est ambigu"),
        ('"100,000"', "est ambigu"),
        ('"1.234.567,89"', "sépare les milliers"),
        ('"12,3456"', "plus de deux décimales"),
        ('"1000000000000"', "trop grand"),
        ('"100000000000000000000000000"', "trop grand"),
        ("100000000000000000000000000", "trop grand"),
        ("1e26", "trop grand"),
        ("1e309", "trop grand"),
    ],
)
def test_a_bad_amount_exits_2_naming_its_field(tmp_path, capsys, call_2013, amount, reason):
    code, out = run_check(tmp_path, json.dumps(VALID).replace('"140000.00"', amount), capsys)
    error = json.loads(out)["error"]
    assert code == 2 and error["field"] == "budget.resources[0].amount_eur"
    assert reason in error["message"]


def test_a_missing_is_fablab_is_an_invalid_file_not_a_no(tmp_path, capsys, call_2013):
    applicant = {k: v for k, v in VALID["applicant"].items() if k != "is_fablab"}
    code, out = run_check(tmp_path, {**VALID, "applicant": applicant}, capsys)
    assert code == 2
    assert json.loads(out)["error"] == {
        "field": "applicant.is_fablab",
        "message": "champ obligatoire manquant (true ou false).",
    }


def test_amounts_given_as_json_numbers_are_read_exactly(tmp_path, capsys, call_2013):
    text = json.dumps(VALID).replace('"140000.00"', "139999.90").replace("60000.0", "60000.10")
    code, out = run_check(tmp_path, text, capsys)
    assert code == 0, out


def test_without_submitted_at_the_deadline_is_judged_against_now(tmp_path, capsys, call_2013):
    code, out = run_check(tmp_path, {k: v for k, v in VALID.items() if k != "submitted_at"}, capsys)
    assert code == 1  # the 2013 call closed long ago
    assert [r["rule"] for r in json.loads(out)["results"] if not r["passed"]] == ["deadline"]


def database_url() -> str:
    """The test database as a URL, so a subprocess sees what this test committed."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_the_real_command_line_gives_the_same_exit_codes(tmp_path, call_2013):
    env = {**os.environ, "DATABASE_URL": database_url()}
    codes = {}
    for name, payload in (
        ("ok", VALID),
        ("late", {**VALID, "submitted_at": "2013-09-14T00:00:00+02:00"}),
        ("bad", "{oops"),
        ("huge", json.dumps(VALID).replace('"140000.00"', "1" + "0" * 26)),
    ):
        path = tmp_path / f"{name}.json"
        path.write_text(
            payload if isinstance(payload, str) else json.dumps(payload), encoding="utf-8"
        )
        proc = subprocess.run(
            [sys.executable, "manage.py", "check_application", "--call", "fablabs-2013", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
        )
        codes[name] = proc.returncode
    assert codes == {"ok": 0, "late": 1, "bad": 2, "huge": 2}


def test_export_then_import_round_trips_an_application(tmp_path, call_2013, personas):
    organisation_for(personas["applicant"])
    original = eligible_draft(call_2013, personas["applicant"])
    out = tmp_path / "export.json"
    call_command("export_applications", "--call", "fablabs-2013", "--output", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported[0]["budget"]["expenses"][0] == {
        "label": "Découpeuse laser",
        "category": "equipment",
        "amount_eur": "80000.00",
    }
    call_command("import_applications", str(out), "--as-user", personas["instructor"].email)
    copy = Application.objects.exclude(pk=original.pk).get()
    assert copy.organisation == original.organisation
    assert (
        copy.requested_amount == original.requested_amount
        and copy.total_expenses == original.total_expenses
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (('"150000.00"', '"10000000000.00"'), "budget.expenses[0].amount_eur"),
        (('"140000.00"', '"999999999999.99"'), "budget.resources[0].amount_eur"),
        (('"150000.00"', '"100.000"'), "budget.expenses[0].amount_eur"),
        ((', "is_fablab": true', ""), "applicant.is_fablab"),
        (("{", "{{"), "(fichier)"),
    ],
)
def test_an_import_refuses_what_the_database_cannot_hold_naming_the_field(
    tmp_path, call_2013, personas, change, field
):
    path = tmp_path / "import.json"
    path.write_text(json.dumps(VALID).replace(*change, 1), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_applications", str(path), "--as-user", personas["instructor"].email)
    assert refused.value.returncode == 2 and field in str(refused.value)
    assert not Application.objects.exists()


def test_an_import_refuses_a_subsidy_too_large_to_store_even_in_small_lines(
    tmp_path, call_2013, personas
):
    half = {"kind": "requested_subsidy", "status": "requested", "amount_eur": "6000000000.00"}
    payload = {**VALID, "budget": {**VALID["budget"], "resources": [half, half]}}
    path = tmp_path / "import.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("import_applications", str(path), "--as-user", personas["instructor"].email)
    assert str(refused.value) == (
        "Candidature n°1 — budget.resources : la subvention demandée est trop grande : "
        "au plus 9 999 999 999,99 €."
    )
