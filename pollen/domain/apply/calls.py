"""A call for projects as data: its file format, its schema and its parsed, frozen form."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema

SCHEMA_PATH = Path(__file__).with_name("call.schema.json")
END_OF_DAY = dt.time(23, 59, 59, 999999)


class CallFileError(ValueError):
    """A call file that cannot be loaded; `problems` lists French sentences, one per fault."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class RuleSpec:
    id: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)


@dataclass(frozen=True, slots=True)
class DocumentSpec:
    id: str
    label: str
    required: bool = True
    help: str = ""


@dataclass(frozen=True, slots=True)
class ExpenseCategory:
    id: str
    label: str
    investment: bool


@dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    label: str
    weight: Decimal
    help: str = ""


@dataclass(frozen=True, slots=True)
class ScoringGrid:
    scale_min: int
    scale_max: int
    criteria: tuple[Criterion, ...]
    disagreement_threshold: Decimal = Decimal("1.5")


@dataclass(frozen=True, slots=True)
class PaymentStep:
    label: str
    share: Decimal
    on: str


@dataclass(frozen=True, slots=True)
class RetentionSpec:
    """How long a call keeps personal data; the defaults apply when the file says nothing."""

    drafts_deleted_after_months: int = 6
    draft_warning_days: int = 15
    unsuccessful_anonymised_after_months: int = 24


@dataclass(frozen=True, slots=True)
class ProgrammeSpec:
    slug: str
    name: str
    envelope: Decimal
    description: str = ""


@dataclass(frozen=True, slots=True)
class CallSpec:
    slug: str
    version: str
    title: str
    funder: str
    description: str
    timezone: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    selection_on: dt.date | None
    target_awards: int
    envelope: Decimal
    programme: ProgrammeSpec
    rules: tuple[RuleSpec, ...]
    documents: tuple[DocumentSpec, ...]
    expense_categories: tuple[ExpenseCategory, ...]
    scoring: ScoringGrid
    reviewers_per_application: int = 2
    conflict_same_departement: bool = False
    payment_schedule: tuple[PaymentStep, ...] = ()
    funder_siret: str = ""
    retention: RetentionSpec = RetentionSpec()
    source_sha256: str = ""
    # Derived once at parse time: the eligibility engine reads it for every application.
    investment_categories: frozenset[str] = frozenset()

    @property
    def category_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.expense_categories)

    @property
    def required_documents(self) -> tuple[DocumentSpec, ...]:
        return tuple(d for d in self.documents if d.required)

    def category_label(self, category_id: str) -> str:
        """What people read for an expense category (its id when the call no longer has it)."""
        return next((c.label for c in self.expense_categories if c.id == category_id), category_id)

    def document_label(self, doc_type: str) -> str:
        return next((d.label for d in self.documents if d.id == doc_type), doc_type)

    def rule(self, rule_id: str) -> RuleSpec | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def is_open_at(self, moment: dt.datetime) -> bool:
        return self.opens_at <= moment <= self.closes_at


def _jsonable(value: Any) -> Any:
    """TOML dates and times as ISO strings, so the JSON Schema can check them."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def _schema_problems(data: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(racine)"
        problems.append(f"{where} : {error.message}")
    return problems


def _moment(data: dict[str, Any], prefix: str, zone: ZoneInfo, end_of_day: bool) -> dt.datetime:
    if f"{prefix}_at" in data:
        naive = dt.datetime.fromisoformat(data[f"{prefix}_at"])
    else:
        day = dt.date.fromisoformat(data[f"{prefix}_on"])
        naive = dt.datetime.combine(day, END_OF_DAY if end_of_day else dt.time.min)
    return naive.replace(tzinfo=zone)


def _duplicates(ids: list[str]) -> set[str]:
    return {i for i in ids if ids.count(i) > 1}


def _consistency_problems(spec: CallSpec) -> list[str]:
    problems = []
    if spec.closes_at <= spec.opens_at:
        problems.append("closes : la clôture doit être postérieure à l'ouverture.")
    if spec.scoring.scale_min >= spec.scoring.scale_max:
        problems.append("scoring : scale_min doit être inférieur à scale_max.")
    for name, ids in (
        ("rules", [r.id for r in spec.rules]),
        ("documents", [d.id for d in spec.documents]),
        ("expense_categories", [c.id for c in spec.expense_categories]),
        ("scoring.criteria", [c.id for c in spec.scoring.criteria]),
    ):
        for dup in sorted(_duplicates(ids)):
            problems.append(f"{name} : l'identifiant « {dup} » apparaît plusieurs fois.")
    if spec.payment_schedule and sum(p.share for p in spec.payment_schedule) != 1:
        problems.append("payment_schedule : la somme des parts doit valoir exactement 1.")
    retention = spec.retention
    if retention.draft_warning_days >= retention.drafts_deleted_after_months * 28:
        problems.append(
            "retention : l'avertissement doit précéder la suppression des brouillons "
            "(draft_warning_days trop grand)."
        )
    if spec.programme.envelope < spec.envelope:
        problems.append("envelope_eur : l'enveloppe de l'appel dépasse celle du programme.")
    from pollen.domain.apply.eligibility import rule_spec_problems  # the rules registry lives there

    problems.extend(rule_spec_problems(spec))
    return problems


def parse_call(text: str) -> CallSpec:
    """Parse and check a call file's TOML text; raises CallFileError listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CallFileError([f"Le fichier n'est pas un TOML valide : {exc}"]) from None
    data = _jsonable(raw)
    problems = _schema_problems(data)
    if problems:
        raise CallFileError(problems)
    try:
        zone = ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise CallFileError(
            [f"timezone : fuseau horaire inconnu « {data['timezone']} »."]
        ) from None
    spec = _build(data, zone, hashlib.sha256(text.encode("utf-8")).hexdigest())
    problems = _consistency_problems(spec)
    if problems:
        raise CallFileError(problems)
    return spec


def _build(data: dict[str, Any], zone: ZoneInfo, sha: str) -> CallSpec:
    programme = data["programme"]
    scoring = data["scoring"]
    return CallSpec(
        slug=data["slug"],
        version=data["version"],
        title=data["title"],
        funder=data["funder"],
        funder_siret=data.get("funder_siret", ""),
        description=data.get("description", "").strip(),
        timezone=data["timezone"],
        opens_at=_moment(data, "opens", zone, end_of_day=False),
        closes_at=_moment(data, "closes", zone, end_of_day=True),
        selection_on=dt.date.fromisoformat(data["selection_on"])
        if "selection_on" in data
        else None,
        target_awards=data["target_awards"],
        envelope=Decimal(data["envelope_eur"]),
        programme=ProgrammeSpec(
            slug=programme["slug"],
            name=programme["name"],
            envelope=Decimal(programme["envelope_eur"]),
            description=programme.get("description", ""),
        ),
        rules=tuple(
            RuleSpec(
                id=r["id"],
                kind=r.get("kind", r["id"]),
                params={k: v for k, v in r.items() if k not in {"id", "kind"}},
            )
            for r in data["rules"]
        ),
        documents=tuple(
            DocumentSpec(d["id"], d["label"], d.get("required", True), d.get("help", ""))
            for d in data["documents"]
        ),
        expense_categories=tuple(
            ExpenseCategory(c["id"], c["label"], c["investment"])
            for c in data["expense_categories"]
        ),
        scoring=ScoringGrid(
            scale_min=scoring["scale_min"],
            scale_max=scoring["scale_max"],
            disagreement_threshold=Decimal(scoring.get("disagreement_threshold", "1.5")),
            criteria=tuple(
                Criterion(c["id"], c["label"], Decimal(str(c["weight"])), c.get("help", ""))
                for c in scoring["criteria"]
            ),
        ),
        reviewers_per_application=data.get("reviewers_per_application", 2),
        conflict_same_departement=data.get("conflict_same_departement", False),
        payment_schedule=tuple(
            PaymentStep(p["label"], Decimal(p["share"]), p["on"])
            for p in data.get("payment_schedule", [])
        ),
        retention=RetentionSpec(**data.get("retention", {})),
        source_sha256=sha,
        investment_categories=frozenset(
            c["id"] for c in data["expense_categories"] if c["investment"]
        ),
    )
