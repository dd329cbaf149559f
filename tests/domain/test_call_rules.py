"""The other rules of the shipped calls (who, where, which documents, when), the rules' public
statements, the checks of a call's rule table, and the shape of a result."""

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from pollen.domain.apply import eligibility
from pollen.domain.apply.calls import RuleSpec
from tests.domain.call_cases import CALLS, MICROSECOND, calls_with, facts, verdict

FABLABS, BRETAGNE = CALLS["fablabs-2013"], CALLS["bretagne-tiers-lieux-2026"]
TESTED_HERE_OR_AT_THEIR_BOUNDS = {
    "subsidy_min",
    "subsidy_max",
    "subsidy_share",
    "budget_balanced",
    "cofunding_present",
    "has_investment",
    "investment_share",
    "carrier_fablab",
    "siret_valid",
    "commune_known",
    "region_in",
    "kind_allowed",
    "documents_complete",
    "deadline",
}


def ids(calls):
    return [c.slug for c in calls]


def test_every_rule_of_every_shipped_call_is_tested() -> None:
    used = {r.kind for call in CALLS.values() for r in call.rules}
    assert used <= TESTED_HERE_OR_AT_THEIR_BOUNDS == set(eligibility.RULES)


@pytest.mark.parametrize(
    "call", calls_with("carrier_fablab"), ids=ids(calls_with("carrier_fablab"))
)
def test_the_carrier_must_be_a_fablab(call) -> None:
    yes = verdict(call, "carrier_fablab", carrier_is_fablab=True)
    no = verdict(call, "carrier_fablab", carrier_is_fablab=False)
    assert (yes.passed, yes.message) == (
        True,
        "Le projet est porté par un atelier de fabrication numérique (fablab).",
    )
    assert (no.passed, no.message) == (
        False,
        "Le projet doit être porté par un atelier de fabrication numérique (fablab).",
    )


@pytest.mark.parametrize("call", calls_with("siret_valid"), ids=ids(calls_with("siret_valid")))
@pytest.mark.parametrize(
    ("siret", "passed", "message"),
    [
        ("73282932000074", True, "Le numéro SIRET est valide."),
        (
            "73282932000075",
            False,
            "Le numéro SIRET 73282932000075 est invalide : sa clé de contrôle (Luhn) ne "
            "correspond pas.",
        ),
        ("", False, "Le numéro SIRET est manquant."),
    ],
)
def test_the_siret_must_hold(call, siret, passed, message) -> None:
    v = verdict(call, "siret_valid", siret=siret)
    assert (v.passed, v.message) == (passed, message)


@pytest.mark.parametrize("call", calls_with("commune_known"), ids=ids(calls_with("commune_known")))
@pytest.mark.parametrize(
    ("code", "known", "passed", "message"),
    [
        ("35238", True, True, "La commune du porteur figure au référentiel des communes."),
        (
            "99999",
            False,
            False,
            "La commune de code INSEE « 99999 » est inconnue du référentiel des communes.",
        ),
        ("", False, False, "La commune du porteur n'est pas renseignée."),
        ("", True, False, "La commune du porteur n'est pas renseignée."),
    ],
)
def test_the_commune_must_be_known(call, code, known, passed, message) -> None:
    v = verdict(call, "commune_known", commune_insee=code, commune_known=known)
    assert (v.passed, v.message) == (passed, message)


@pytest.mark.parametrize("call", calls_with("region_in"), ids=ids(calls_with("region_in")))
def test_the_project_must_be_in_the_calls_regions(call) -> None:
    regions = next(r for r in call.rules if r.kind == "region_in").params["regions"]
    inside = verdict(call, "region_in", commune_region=regions[0])
    outside = verdict(call, "region_in", commune_region="11")
    assert (inside.passed, inside.message) == (
        True,
        "Le projet est situé dans le territoire de l'appel.",
    )
    assert (outside.passed, outside.message) == (
        False,
        "Le projet doit être situé dans le territoire couvert par l'appel.",
    )


def test_a_call_may_accept_only_some_kinds_of_project() -> None:
    call = dataclasses.replace(
        FABLABS, rules=(RuleSpec("kind_allowed", "kind_allowed", {"kinds": ["creation"]}),)
    )
    created = verdict(call, "kind_allowed", kind="creation")
    improved = verdict(call, "kind_allowed", kind="improvement")
    assert (created.passed, created.message) == (True, "Le type de projet est accepté par l'appel.")
    assert (improved.passed, improved.message) == (
        False,
        "Ce type de projet (création ou amélioration) n'est pas accepté par l'appel.",
    )


@pytest.mark.parametrize(
    "call", calls_with("documents_complete"), ids=ids(calls_with("documents_complete"))
)
def test_each_required_document_is_needed_and_optional_ones_are_not(call) -> None:
    required = [d for d in call.documents if d.required]
    every = frozenset(d.id for d in required)
    complete = verdict(call, "documents_complete", documents=every)
    assert (complete.passed, complete.message) == (
        True,
        "Toutes les pièces demandées sont jointes.",
    )
    for doc in required:
        v = verdict(call, "documents_complete", documents=every - {doc.id})
        assert (v.passed, v.message) == (False, f"Pièces manquantes : {doc.label}.")
    none = verdict(call, "documents_complete", documents=frozenset())
    assert none.message == f"Pièces manquantes : {' ; '.join(d.label for d in required)}."


def test_the_deadline_is_told_in_paris_time() -> None:
    paris = ZoneInfo("Europe/Paris")
    late = dt.datetime(2013, 9, 13, 22, 0, 0, tzinfo=dt.UTC)
    submitted = verdict(FABLABS, "deadline", moment=late)
    draft = verdict(FABLABS, "deadline", moment=late, submitted=False)
    early = verdict(FABLABS, "deadline", moment=FABLABS.opens_at - MICROSECOND)
    on_time = verdict(FABLABS, "deadline", moment=dt.datetime(2013, 7, 1, tzinfo=paris))
    assert submitted.message == (
        "Candidature déposée le 14/09/2013 à 00:00:00 (heure de Paris), après la clôture "
        "de l'appel le 13/09/2013 à 23:59:59."
    )
    assert draft.message == (
        "Nous sommes le 14/09/2013 à 00:00:00 (heure de Paris), après la clôture "
        "de l'appel le 13/09/2013 à 23:59:59."
    )
    assert early.message == "L'appel n'ouvre que le 25/06/2013 à 00:00:00."
    assert on_time.message == (
        "Dans les délais : l'appel clôt le 13/09/2013 à 23:59:59 (heure de Paris)."
    )
    closing = verdict(BRETAGNE, "deadline", moment=BRETAGNE.closes_at + MICROSECOND)
    assert "après la clôture de l'appel le 31/01/2027 à 12:00:00." in closing.message


def test_the_public_statements_of_the_2013_rules() -> None:
    assert [(rule, str(text)) for rule, text in eligibility.rule_statements(FABLABS)] == [
        ("subsidy_min", "La subvention demandée est d'au moins 50 000,00 €."),
        ("subsidy_max", "La subvention demandée ne dépasse pas 200 000,00 €."),
        (
            "subsidy_share",
            "La subvention ne dépasse pas 70 % du coût total du projet ; le complément vient "
            "d'autres financements publics ou privés.",
        ),
        ("budget_balanced", "Le budget est équilibré au centime : ressources = dépenses."),
        (
            "cofunding_present",
            "Le projet a au moins un autre financeur que l'appel (public, privé ou fonds propres).",
        ),
        ("carrier_fablab", "Le projet est porté par un atelier de fabrication numérique (fablab)."),
        (
            "has_investment",
            "Le budget comprend des dépenses d'investissement "
            "(équipement et machines, travaux et aménagement).",
        ),
        ("siret_valid", "La structure porteuse a un numéro SIRET valide."),
        ("commune_known", "La structure est située dans une commune du référentiel officiel."),
        (
            "documents_complete",
            "Les pièces obligatoires sont jointes : Statuts de la structure porteuse ; "
            "Relevé d'identité bancaire (RIB) ; Budget détaillé du projet ; "
            "Lettres d'engagement des cofinanceurs.",
        ),
        (
            "deadline",
            "Le dossier est déposé au plus tard le 13/09/2013 à 23:59:59 (heure de Paris).",
        ),
    ]


def test_the_public_statements_of_the_bretagne_rules() -> None:
    statements = dict((rule, str(text)) for rule, text in eligibility.rule_statements(BRETAGNE))
    assert statements["cofunding_present"] == (
        "Le projet a au moins un autre financeur que l'appel (public, privé ou fonds propres), "
        "dont des cofinancements acquis couvrant au moins 10 % du coût."
    )
    assert statements["investment_share"] == (
        "Les investissements représentent au moins 50 % des dépenses."
    )
    assert statements["region_in"] == "Le projet est situé dans le territoire de l'appel."


def test_the_statement_of_the_kind_rule() -> None:
    call = dataclasses.replace(
        FABLABS, rules=(RuleSpec("kind_allowed", "kind_allowed", {"kinds": ["creation"]}),)
    )
    assert [str(t) for _, t in eligibility.rule_statements(call)] == [
        "Le type de projet (création ou amélioration) est accepté par l'appel."
    ]


def test_the_shipped_calls_rule_tables_have_no_problem() -> None:
    assert [eligibility.rule_spec_problems(c) for c in CALLS.values()] == [[], []]


def test_a_rule_table_with_faults_lists_each_of_them() -> None:
    call = dataclasses.replace(
        FABLABS,
        rules=(
            RuleSpec("x", "lottery"),
            RuleSpec("floor", "subsidy_min", {"max_eur": "5"}),
            RuleSpec("cofunding_present", "cofunding_present", {"min_acquired_share": "0.1"}),
            RuleSpec("has_investment", "has_investment"),
        ),
        investment_categories=frozenset(),
    )
    known = ", ".join(sorted(eligibility.RULES))
    assert eligibility.rule_spec_problems(call) == [
        f"rules : règle inconnue « lottery » (règles connues : {known}).",
        "rules/floor : paramètre « min_eur » manquant.",
        "rules/floor : paramètre « max_eur » inattendu.",
        "expense_categories : aucune catégorie d'investissement pour la règle has_investment.",
    ]


def test_a_result_says_which_rules_failed_and_reads_as_json() -> None:
    result = eligibility.check(FABLABS, facts(FABLABS, carrier_is_fablab=False, siret=""))
    assert not result.eligible and result.failed == ("carrier_fablab", "siret_valid")
    first = result.verdicts[0]
    assert first.to_json() == {"rule": "subsidy_min", "passed": True, "message": first.message}
    data = result.to_json()
    assert data["eligible"] is False and len(data["results"]) == len(FABLABS.rules)
    english = {first.text.template: "The subsidy (%(asked)s) reaches the %(floor)s floor."}
    assert first.translated(english.__getitem__) == (
        "The subsidy (60 000,00 €) reaches the 50 000,00 € floor."
    )
    assert eligibility.check(FABLABS, facts(FABLABS)).eligible
    assert eligibility.check(BRETAGNE, facts(BRETAGNE)).eligible
