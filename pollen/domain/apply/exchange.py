"""The JSON exchange format of applications (docs/exchange-format.md): read, check, write."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pollen.domain.apply.budget import (
    Budget,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
)
from pollen.domain.apply.calls import CallSpec
from pollen.domain.apply.money import AmountError, parse_eur

KINDS = ("creation", "improvement")


class ExchangeError(ValueError):
    """A file that does not follow the format; `field` names the faulty part."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field} : {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class ApplicantRecord:
    name: str
    siret: str
    legal_form: str
    commune_insee: str
    is_fablab: bool


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    title: str
    kind: str
    summary: str


@dataclass(frozen=True, slots=True)
class ApplicationRecord:
    call: str
    applicant: ApplicantRecord
    project: ProjectRecord
    budget: Budget
    documents: frozenset[str]
    submitted_at: dt.datetime | None  # naive means "in the call's time zone"


def loads(text: str | bytes) -> Any:
    """JSON with every number read as Decimal: a float never touches an amount."""
    try:
        return json.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExchangeError("(fichier)", f"JSON mal formé : {exc}") from None


def _obj(data: Any, field: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ExchangeError(field, "un objet JSON est attendu.")
    return data


def _str(data: dict[str, Any], key: str, field: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise ExchangeError(f"{field}.{key}", "champ obligatoire manquant.")
        return ""
    if not isinstance(value, str):
        raise ExchangeError(f"{field}.{key}", "une chaîne de caractères est attendue.")
    return value.strip()


def _bool(data: dict[str, Any], key: str, field: str) -> bool:
    """A required true or false: a missing answer is not a no (a carrier is a fablab or not)."""
    value = data.get(key)
    if value is None:
        raise ExchangeError(f"{field}.{key}", "champ obligatoire manquant (true ou false).")
    if not isinstance(value, bool):
        raise ExchangeError(f"{field}.{key}", "true ou false est attendu.")
    return value


def _choice(data: dict[str, Any], key: str, field: str, choices: tuple[str, ...]) -> str:
    value = _str(data, key, field)
    if value not in choices:
        raise ExchangeError(
            f"{field}.{key}", f"« {value} » n'est pas une valeur permise ({', '.join(choices)})."
        )
    return value


def _amount(data: dict[str, Any], field: str) -> Decimal:
    if "amount_eur" not in data:
        raise ExchangeError(f"{field}.amount_eur", "montant manquant.")
    try:
        return parse_eur(data["amount_eur"])
    except AmountError as exc:
        raise ExchangeError(f"{field}.amount_eur", str(exc)) from None


def _lines(budget: dict[str, Any], key: str) -> list[dict[str, Any]]:
    lines = budget.get(key)
    if not isinstance(lines, list):
        raise ExchangeError(f"budget.{key}", "une liste de lignes est attendue.")
    return [_obj(line, f"budget.{key}[{i}]") for i, line in enumerate(lines)]


def _budget(data: dict[str, Any]) -> Budget:
    budget = _obj(data.get("budget"), "budget")
    expenses = tuple(
        ExpenseLine(
            label=_str(line, "label", f"budget.expenses[{i}]"),
            category=_str(line, "category", f"budget.expenses[{i}]"),
            amount=_amount(line, f"budget.expenses[{i}]"),
        )
        for i, line in enumerate(_lines(budget, "expenses"))
    )
    resources = tuple(
        ResourceLine(
            label=_str(line, "label", f"budget.resources[{i}]", required=False)
            or "Subvention demandée",
            kind=ResourceKind(_choice(line, "kind", f"budget.resources[{i}]", tuple(ResourceKind))),
            status=ResourceStatus(
                _choice(line, "status", f"budget.resources[{i}]", tuple(ResourceStatus))
                if line.get("status")
                else ResourceStatus.REQUESTED
            ),
            amount=_amount(line, f"budget.resources[{i}]"),
        )
        for i, line in enumerate(_lines(budget, "resources"))
    )
    return Budget(expenses, resources)


def _submitted_at(data: dict[str, Any]) -> dt.datetime | None:
    raw = data.get("submitted_at")
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ExchangeError(
            "submitted_at", "une date ISO 8601 est attendue, par ex. 2013-09-13T23:59:59+02:00."
        )
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ExchangeError("submitted_at", f"« {raw} » n'est pas une date ISO 8601.") from None


def parse_application(data: Any) -> ApplicationRecord:
    """Read one application in the exchange format; raises ExchangeError naming the bad field."""
    root = _obj(data, "(racine)")
    applicant = _obj(root.get("applicant"), "applicant")
    project = _obj(root.get("project"), "project")
    documents = root.get("documents", [])
    if not isinstance(documents, list) or not all(isinstance(d, str) for d in documents):
        raise ExchangeError("documents", "une liste d'identifiants de pièces est attendue.")
    is_fablab = _bool(applicant, "is_fablab", "applicant")
    return ApplicationRecord(
        call=_str(root, "call", "(racine)"),
        applicant=ApplicantRecord(
            name=_str(applicant, "name", "applicant"),
            siret="".join(_str(applicant, "siret", "applicant", required=False).split()),
            legal_form=_str(applicant, "legal_form", "applicant", required=False),
            commune_insee=_str(applicant, "commune_insee", "applicant", required=False),
            is_fablab=is_fablab,
        ),
        project=ProjectRecord(
            title=_str(project, "title", "project"),
            kind=_choice(project, "kind", "project", KINDS),
            summary=_str(project, "summary", "project", required=False),
        ),
        budget=_budget(root),
        documents=frozenset(documents),
        submitted_at=_submitted_at(root),
    )


def check_against_call(record: ApplicationRecord, call: CallSpec) -> None:
    """Faults that make the file meaningless for this call (not eligibility failures)."""
    if record.call != call.slug:
        raise ExchangeError(
            "call", f"le fichier vise l'appel « {record.call} », pas « {call.slug} »."
        )
    for i, line in enumerate(record.budget.expenses):
        if line.category not in call.category_ids:
            allowed = ", ".join(c.id for c in call.expense_categories)
            raise ExchangeError(
                f"budget.expenses[{i}].category",
                f"catégorie « {line.category} » inconnue de l'appel (catégories : {allowed}).",
            )
    known_docs = {d.id for d in call.documents}
    for doc in sorted(record.documents - known_docs):
        raise ExchangeError("documents", f"pièce « {doc} » inconnue de l'appel.")


def localise(moment: dt.datetime, call: CallSpec) -> dt.datetime:
    """An aware moment; a naive one is read in the call's time zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(call.timezone))


def to_exchange(record: ApplicationRecord) -> dict[str, Any]:
    out: dict[str, Any] = {
        "call": record.call,
        "applicant": {
            "name": record.applicant.name,
            "siret": record.applicant.siret,
            "legal_form": record.applicant.legal_form,
            "commune_insee": record.applicant.commune_insee,
            "is_fablab": record.applicant.is_fablab,
        },
        "project": {
            "title": record.project.title,
            "kind": record.project.kind,
            "summary": record.project.summary,
        },
        "budget": {
            "expenses": [
                {"label": e.label, "category": e.category, "amount_eur": f"{e.amount:.2f}"}
                for e in record.budget.expenses
            ],
            "resources": [
                {
                    "label": r.label,
                    "kind": str(r.kind),
                    "status": str(r.status),
                    "amount_eur": f"{r.amount:.2f}",
                }
                for r in record.budget.resources
            ],
        },
        "documents": sorted(record.documents),
    }
    if record.submitted_at is not None:
        out["submitted_at"] = record.submitted_at.isoformat()
    return out
