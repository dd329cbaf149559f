"""The shipped calls and applications built around them, for the rule tests of tests/domain."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from pollen.domain.apply import eligibility
from pollen.domain.apply.budget import (
    Budget,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
)
from pollen.domain.apply.calls import CallSpec, parse_call
from pollen.domain.apply.money import format_eur, format_percent

ROOT = Path(__file__).resolve().parents[2]
CALLS: dict[str, CallSpec] = {
    path.stem: parse_call(path.read_text(encoding="utf-8"))
    for path in sorted((ROOT / "calls").glob("*.toml"))
}
CENT = Decimal("0.01")
D = Decimal
eur, pct = format_eur, format_percent


def param(call: CallSpec, kind: str, name: str) -> Decimal:
    rule = next(r for r in call.rules if r.kind == kind)
    return D(rule.params[name])


def calls_with(kind: str) -> list[CallSpec]:
    return [c for c in CALLS.values() if any(r.kind == kind for r in c.rules)]


NOTHING = Decimal(0)


def budget(
    *,
    subsidy: Decimal = Decimal("60000.00"),
    invest: Decimal = Decimal("120000.00"),
    other: Decimal = Decimal("80000.00"),
    acquired: Decimal | None = None,
    requested: Decimal = NOTHING,
    resources_gap: Decimal = NOTHING,
) -> Budget:
    """An application that passes every shipped rule unless one figure is moved.

    Acquired cofunding fills what the subsidy and requested cofunding leave, then
    `resources_gap` unbalances it."""
    total = invest + other
    if acquired is None:
        acquired = total - subsidy - requested + resources_gap
    expenses = [
        ExpenseLine("Machines", "equipment", invest),
        ExpenseLine("Animation", "staff", other),
    ]
    resources = [
        ResourceLine(
            "Subvention", ResourceKind.REQUESTED_SUBSIDY, ResourceStatus.REQUESTED, subsidy
        ),
        ResourceLine("Région", ResourceKind.PUBLIC, ResourceStatus.ACQUIRED, acquired),
    ]
    if requested:
        resources.append(
            ResourceLine("Mécène", ResourceKind.PRIVATE, ResourceStatus.REQUESTED, requested)
        )
    return Budget(tuple(expenses), tuple(resources))


def facts(
    call: CallSpec, b: Budget | None = None, **overrides: Any
) -> eligibility.ApplicationFacts:
    values: dict[str, Any] = {
        "budget": b or budget(),
        "carrier_is_fablab": True,
        "siret": "73282932000074",
        "commune_insee": "35238",
        "commune_known": True,
        "commune_region": "53",
        "documents": frozenset(d.id for d in call.documents),
        "moment": call.opens_at + (call.closes_at - call.opens_at) / 2,
        "submitted": True,
    }
    values.update(overrides)
    return eligibility.ApplicationFacts(**values)


def verdict(call: CallSpec, rule_kind: str, /, **kwargs: Any) -> eligibility.Verdict:
    rule = next(r for r in call.rules if r.kind == rule_kind)
    result = eligibility.check(call, facts(call, **kwargs))
    return next(v for v in result.verdicts if v.rule == rule.id)


def around(threshold: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """A cent under, at and a cent over."""
    return threshold - CENT, threshold, threshold + CENT


MICROSECOND = dt.timedelta(microseconds=1)
