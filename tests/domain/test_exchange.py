"""The exchange format read and written without a database: every fault names its field."""

import copy
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.apply.budget import ResourceKind, ResourceStatus
from pollen.domain.apply.calls import parse_call
from pollen.domain.apply.exchange import (
    ExchangeError,
    check_against_call,
    loads,
    localise,
    parse_application,
    to_exchange,
)

ROOT = Path(__file__).resolve().parents[2]
CALL = parse_call((ROOT / "calls" / "fablabs-2013.toml").read_text(encoding="utf-8"))
VALID: dict[str, Any] = {
    "call": "fablabs-2013",
    "applicant": {
        "name": " Fablab de Rennes ",
        "siret": "732 829 320 00074",
        "legal_form": "association",
        "commune_insee": "35238",
        "is_fablab": True,
    },
    "project": {"title": "Équiper l'atelier", "kind": "improvement", "summary": "Des machines"},
    "budget": {
        "expenses": [
            {"label": "Découpeuse laser", "category": "equipment", "amount_eur": "150 000,00"},
            {"label": "Animation", "category": "staff", "amount_eur": 50000},
        ],
        "resources": [
            {"kind": "requested_subsidy", "amount_eur": "140000.00"},
            {"label": "Région", "kind": "public", "status": "acquired", "amount_eur": "60000"},
        ],
    },
    "documents": ["statuts", "rib"],
    "submitted_at": "2013-09-13T21:59:59Z",
}


def with_(path: str, value: Any) -> dict[str, Any]:
    """VALID with one field changed (or removed, for the value `...`)."""
    data = copy.deepcopy(VALID)
    *parents, last = path.split(".")
    node: Any = data
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    if value is ...:
        del node[last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return data


def refusal(data: Any) -> tuple[str, str]:
    with pytest.raises(ExchangeError) as refused:
        parse_application(data)
    assert str(refused.value) == f"{refused.value.field} : {refused.value.message}"
    return refused.value.field, refused.value.message


def test_it_reads_a_valid_file() -> None:
    record = parse_application(VALID)
    assert record.call == "fablabs-2013"
    assert record.applicant.name == "Fablab de Rennes"
    assert record.applicant.siret == "73282932000074"
    assert record.applicant.is_fablab is True
    assert record.project.kind == "improvement" and record.project.summary == "Des machines"
    assert [e.amount for e in record.budget.expenses] == [Decimal("150000.00"), Decimal("50000.00")]
    subsidy, region = record.budget.resources
    assert (subsidy.label, subsidy.kind, subsidy.status) == (
        "Subvention demandée",
        ResourceKind.REQUESTED_SUBSIDY,
        ResourceStatus.REQUESTED,
    )
    assert (region.label, region.status, region.amount) == (
        "Région",
        ResourceStatus.ACQUIRED,
        Decimal("60000.00"),
    )
    assert record.documents == frozenset({"statuts", "rib"})
    assert record.submitted_at == dt.datetime(2013, 9, 13, 21, 59, 59, tzinfo=dt.UTC)


def test_optional_fields_may_be_left_out() -> None:
    data = with_("submitted_at", ...)
    for key in ("siret", "legal_form", "commune_insee"):
        del data["applicant"][key]
    del data["project"]["summary"]
    del data["documents"]
    record = parse_application(data)
    assert record.submitted_at is None and record.documents == frozenset()
    assert (record.applicant.siret, record.applicant.legal_form, record.project.summary) == (
        "",
        "",
        "",
    )


def test_a_false_is_fablab_is_read_as_false() -> None:
    assert parse_application(with_("applicant.is_fablab", False)).applicant.is_fablab is False


@pytest.mark.parametrize("value", [..., None])
def test_a_missing_is_fablab_is_an_invalid_file_not_a_no(value: Any) -> None:
    assert refusal(with_("applicant.is_fablab", value)) == (
        "applicant.is_fablab",
        "champ obligatoire manquant (true ou false).",
    )


@pytest.mark.parametrize("value", ["true", 1, 0, "", []])
def test_is_fablab_must_be_a_json_boolean(value: Any) -> None:
    assert refusal(with_("applicant.is_fablab", value)) == (
        "applicant.is_fablab",
        "true ou false est attendu.",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ([], "(racine)", "un objet JSON est attendu."),
        (with_("applicant", ...), "applicant", "un objet JSON est attendu."),
        (with_("project", "x"), "project", "un objet JSON est attendu."),
        (with_("budget", ...), "budget", "un objet JSON est attendu."),
        (with_("call", ...), "(racine).call", "champ obligatoire manquant."),
        (with_("call", ""), "(racine).call", "champ obligatoire manquant."),
        (with_("call", 2013), "(racine).call", "une chaîne de caractères est attendue."),
        (with_("applicant.name", ...), "applicant.name", "champ obligatoire manquant."),
        (with_("project.title", ...), "project.title", "champ obligatoire manquant."),
        (
            with_("project.kind", "demolition"),
            "project.kind",
            "« demolition » n'est pas une valeur permise (creation, improvement).",
        ),
        (
            with_("documents", "statuts"),
            "documents",
            "une liste d'identifiants de pièces est attendue.",
        ),
        (with_("documents", [1]), "documents", "une liste d'identifiants de pièces est attendue."),
        (with_("budget.expenses", {}), "budget.expenses", "une liste de lignes est attendue."),
        (with_("budget.resources", ...), "budget.resources", "une liste de lignes est attendue."),
        (with_("budget.expenses.0", 5), "budget.expenses[0]", "un objet JSON est attendu."),
        (
            with_("budget.expenses.1.amount_eur", ...),
            "budget.expenses[1].amount_eur",
            "montant manquant.",
        ),
        (
            with_("budget.expenses.0.category", ...),
            "budget.expenses[0].category",
            "champ obligatoire manquant.",
        ),
        (
            with_("budget.resources.1.kind", "loan"),
            "budget.resources[1].kind",
            "« loan » n'est pas une valeur permise (requested_subsidy, public, private, own).",
        ),
        (
            with_("budget.resources.1.status", "promised"),
            "budget.resources[1].status",
            "« promised » n'est pas une valeur permise (acquired, requested).",
        ),
        (
            with_("submitted_at", 20130913),
            "submitted_at",
            "une date ISO 8601 est attendue, par ex. 2013-09-13T23:59:59+02:00.",
        ),
        (
            with_("submitted_at", "demain"),
            "submitted_at",
            "« demain » n'est pas une date ISO 8601.",
        ),
    ],
)
def test_each_fault_names_its_field(data: Any, field: str, message: str) -> None:
    assert refusal(data) == (field, message)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100.000", "Le montant 100.000 est ambigu"),
        ("1.234.567,89", "sépare les milliers par un point ou une virgule"),
        ("12,3456", "a plus de deux décimales"),
        ("1" + "0" * 26, "trop grand : au plus 12 chiffres"),
        (10**26, "trop grand : au plus 12 chiffres"),
        (Decimal("1E+26"), "trop grand : au plus 12 chiffres"),
        ("-5", "ne peut pas être négatif"),
        (True, "pas un flottant"),
        (None, "doit être un nombre"),
    ],
)
def test_a_bad_amount_is_a_field_error_never_a_crash(amount: Any, message: str) -> None:
    field, said = refusal(with_("budget.resources.1.amount_eur", amount))
    assert field == "budget.resources[1].amount_eur" and message in said


@pytest.mark.parametrize("text", ["1e26", "100000000000000000000000000", "1" * 400])
def test_absurd_json_numbers_are_field_errors(text: str) -> None:
    raw = json.dumps(VALID).replace('"60000"', text)
    field, message = refusal(loads(raw))
    assert field == "budget.resources[1].amount_eur" and "trop grand" in message


def test_json_numbers_are_read_as_exact_decimals() -> None:
    data = loads('{"a": 0.1, "b": 7, "c": "x"}')
    assert data == {"a": Decimal("0.1"), "b": 7, "c": "x"} and isinstance(data["a"], Decimal)


@pytest.mark.parametrize("raw", ["{not json", b"\xff\xfe{", ""])
def test_malformed_json_is_a_file_error(raw: str | bytes) -> None:
    with pytest.raises(ExchangeError) as refused:
        loads(raw)
    assert refused.value.field == "(fichier)"
    assert refused.value.message.startswith("JSON mal formé : ")


def test_a_file_for_another_call_is_refused() -> None:
    record = parse_application(with_("call", "bretagne-tiers-lieux-2026"))
    with pytest.raises(ExchangeError) as refused:
        check_against_call(record, CALL)
    assert (refused.value.field, refused.value.message) == (
        "call",
        "le fichier vise l'appel « bretagne-tiers-lieux-2026 », pas « fablabs-2013 ».",
    )


def test_an_unknown_category_or_document_is_refused() -> None:
    record = parse_application(with_("budget.expenses.1.category", "yacht"))
    with pytest.raises(ExchangeError) as refused:
        check_against_call(record, CALL)
    assert (refused.value.field, refused.value.message) == (
        "budget.expenses[1].category",
        "catégorie « yacht » inconnue de l'appel (catégories : equipment, works, staff, "
        "operations, training, other).",
    )
    record = parse_application(with_("documents", ["rib", "zz", "aa"]))
    with pytest.raises(ExchangeError) as refused:
        check_against_call(record, CALL)
    assert (refused.value.field, refused.value.message) == (
        "documents",
        "pièce « aa » inconnue de l'appel.",
    )
    check_against_call(parse_application(VALID), CALL)


def test_a_naive_moment_is_read_in_the_calls_time_zone() -> None:
    naive = dt.datetime(2013, 9, 13, 23, 59, 59)
    assert localise(naive, CALL) == naive.replace(tzinfo=ZoneInfo("Europe/Paris"))
    aware = dt.datetime(2013, 9, 13, 21, 0, tzinfo=dt.UTC)
    assert localise(aware, CALL) is aware


def test_export_writes_the_format_back() -> None:
    record = parse_application(VALID)
    out = to_exchange(record)
    assert out["applicant"] == {
        "name": "Fablab de Rennes",
        "siret": "73282932000074",
        "legal_form": "association",
        "commune_insee": "35238",
        "is_fablab": True,
    }
    assert out["budget"]["expenses"][0] == {
        "label": "Découpeuse laser",
        "category": "equipment",
        "amount_eur": "150000.00",
    }
    assert out["budget"]["resources"][0] == {
        "label": "Subvention demandée",
        "kind": "requested_subsidy",
        "status": "requested",
        "amount_eur": "140000.00",
    }
    assert out["documents"] == ["rib", "statuts"]
    assert out["submitted_at"] == "2013-09-13T21:59:59+00:00"
    assert "submitted_at" not in to_exchange(parse_application(with_("submitted_at", ...)))


amounts = st.integers(0, 10**14 - 1).map(lambda c: f"{Decimal(c) / 100:.2f}")


@given(
    st.lists(amounts, max_size=5),
    st.lists(st.tuples(st.sampled_from(list(ResourceKind)), amounts), max_size=5),
    st.booleans(),
    st.sampled_from(["creation", "improvement"]),
)
def test_export_then_read_gives_back_the_same_record(expenses, resources, is_fablab, kind) -> None:
    data = with_("applicant.is_fablab", is_fablab)
    data["project"]["kind"] = kind
    data["budget"] = {
        "expenses": [{"label": "x", "category": "works", "amount_eur": a} for a in expenses],
        "resources": [
            {"label": "y", "kind": str(k), "status": "acquired", "amount_eur": a}
            for k, a in resources
        ],
    }
    record = parse_application(data)
    assert parse_application(loads(json.dumps(to_exchange(record)))) == record
