"""Calls as data: both shipped files load, bad files are refused with every problem named."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from pollen.calls.models import Call, CallVersion
from pollen.calls.services import load_call
from pollen.domain.apply.calls import CallFileError, parse_call

ROOT = Path(__file__).resolve().parents[2]
TEXT_2013 = (ROOT / "calls" / "fablabs-2013.toml").read_text(encoding="utf-8")


def test_the_2013_call_file_holds_the_published_rules():
    spec = parse_call(TEXT_2013)
    assert spec.slug == "fablabs-2013" and spec.target_awards == 10
    assert spec.opens_at.isoformat() == "2013-06-25T00:00:00+02:00"
    assert spec.closes_at.isoformat() == "2013-09-13T23:59:59.999999+02:00"
    assert spec.rule("subsidy_share").params == {"max_share": "0.70"}
    assert [d.id for d in spec.documents] == [
        "statuts",
        "rib",
        "budget_detail",
        "cofunding_letters",
    ]
    assert spec.investment_categories == {"equipment", "works"}
    assert spec.programme.envelope == 40_000_000


def test_a_second_call_has_other_rules_documents_and_bounds():
    spec = parse_call(
        (ROOT / "calls" / "bretagne-tiers-lieux-2026.toml").read_text(encoding="utf-8")
    )
    assert spec.rule("subsidy_max").params == {"max_eur": "80000.00"}
    assert spec.rule("region_in").params == {"regions": ["53"]}
    assert "deliberation" in {d.id for d in spec.documents}
    assert spec.closes_at.utcoffset().total_seconds() == 3600  # winter time


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (('max_share = "0.70"', 'max_share = "70%"'), "rules/2/max_share"),
        (('id = "subsidy_min"', 'id = "subsidy_minimum"'), "règle inconnue « subsidy_minimum »"),
        (("closes_on = 2013-09-13", "closes_on = 2013-06-01"), "la clôture doit être postérieure"),
        (('share = "0.30"', 'share = "0.40"'), "la somme des parts doit valoir exactement 1"),
        (
            ('min_eur = "50000.00"', 'min_eur = "50000.00"\nmax_eur = "1.00"'),
            "paramètre « max_eur » inattendu",
        ),
        (('slug = "fablabs-2013"', 'slug = "Fablabs 2013"'), "slug"),
        (("[programme]", "[programme\n"), "TOML valide"),
    ],
)
def test_a_bad_call_file_is_refused_with_its_problem_named(change, problem):
    with pytest.raises(CallFileError) as refused:
        parse_call(TEXT_2013.replace(*change, 1))
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_loading_is_idempotent_and_a_changed_text_needs_a_new_version(db):
    first = load_call(text=TEXT_2013)
    again = load_call(text=TEXT_2013)
    assert first.created and not again.changed
    with pytest.raises(CallFileError, match="augmentez « version »"):
        load_call(text=TEXT_2013.replace("target_awards = 10", "target_awards = 12"))
    bumped = load_call(
        text=TEXT_2013.replace("target_awards = 10", "target_awards = 12").replace(
            'version = "1.0.0"', 'version = "1.1.0"'
        )
    )
    assert bumped.changed and Call.objects.get().target_awards == 12
    assert CallVersion.objects.count() == 2


def test_load_call_command_reports_a_refused_file(tmp_path, db, capsys):
    bad = tmp_path / "fablabs-2013.toml"
    bad.write_text(
        TEXT_2013.replace('max_eur = "200000.00"', 'max_eur = "beaucoup"'), encoding="utf-8"
    )
    with pytest.raises(CommandError):
        call_command("load_call", str(bad))
    assert "rules/1/max_eur" in capsys.readouterr().err


def test_the_public_call_page_states_the_rules_in_plain_french(client, call_2013):
    html = client.get(reverse("calls:detail", args=["fablabs-2013"])).content.decode()
    assert "La subvention demandée est d&#x27;au moins 50\u202f000,00\u00a0€." in html
    assert "La subvention ne dépasse pas 70\u00a0% du coût total du projet" in html
    assert "13 septembre 2013 à 23:59:59" in html
    assert "Lettres d&#x27;engagement des cofinanceurs" in html


def test_a_call_without_a_retention_table_keeps_the_default_periods():
    spec = parse_call((ROOT / "calls" / "fablabs-2013.toml").read_text(encoding="utf-8"))
    assert spec.retention.drafts_deleted_after_months == 6
    assert spec.retention.draft_warning_days == 15
    assert spec.retention.unsuccessful_anonymised_after_months == 24


def test_a_call_sets_its_own_retention_periods():
    spec = parse_call(
        (ROOT / "calls" / "bretagne-tiers-lieux-2026.toml").read_text(encoding="utf-8")
    )
    assert spec.retention.drafts_deleted_after_months == 4
    assert spec.retention.unsuccessful_anonymised_after_months == 36


@pytest.mark.parametrize(
    ("table", "problem"),
    [
        ("[retention]\ndrafts_deleted_after_months = 0\n", "retention/drafts_deleted_after_months"),
        ("[retention]\nkeep_forever = true\n", "keep_forever"),
        (
            "[retention]\ndrafts_deleted_after_months = 1\ndraft_warning_days = 60\n",
            "l'avertissement doit précéder",
        ),
    ],
)
def test_a_bad_retention_table_is_refused(table, problem):
    text = (ROOT / "calls" / "fablabs-2013.toml").read_text(encoding="utf-8")
    with pytest.raises(CallFileError) as refused:
        parse_call(text.replace("[programme]", table + "\n[programme]", 1))
    assert problem in str(refused.value)
