"""The eligibility engine: each rule of a call gives a verdict with a stable id and a French reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from pollen.domain.budget import Budget, BudgetFigures, figures, max_amount_for_share
from pollen.domain.calls import CallSpec
from pollen.domain.money import format_eur, format_percent
from pollen.domain.siret import siret_problem


@dataclass(frozen=True, slots=True)
class ApplicationFacts:
    """What the rules need to know about an application, whatever it is stored in."""

    budget: Budget
    carrier_is_fablab: bool
    siret: str
    commune_insee: str
    commune_known: bool
    commune_region: str
    documents: frozenset[str]
    moment: dt.datetime  # the submission moment, or now for a draft
    kind: str = "improvement"
    submitted: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    rule: str
    passed: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "passed": self.passed, "message": self.message}


@dataclass(frozen=True, slots=True)
class EligibilityResult:
    verdicts: tuple[Verdict, ...]

    @property
    def eligible(self) -> bool:
        return all(v.passed for v in self.verdicts)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(v.rule for v in self.verdicts if not v.passed)

    def to_json(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "results": [v.to_json() for v in self.verdicts]}


@lru_cache(maxsize=256)
def _dec(text: str) -> Decimal:
    """A rule parameter as a Decimal, parsed once per distinct value."""
    return Decimal(text)


@dataclass(frozen=True, slots=True)
class _Context:
    call: CallSpec
    facts: ApplicationFacts
    figures: BudgetFigures


RuleCheck = Callable[[_Context, dict[str, Any]], tuple[bool, str]]


@dataclass(frozen=True, slots=True)
class RuleKind:
    check: RuleCheck
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()


def _subsidy_min(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    floor, asked = _dec(p["min_eur"]), ctx.figures.subsidy
    if asked < floor:
        return False, (
            f"La subvention demandée ({format_eur(asked)}) est inférieure au plancher de "
            f"{format_eur(floor)} fixé par l'appel."
        )
    return (
        True,
        f"La subvention demandée ({format_eur(asked)}) atteint le plancher de {format_eur(floor)}.",
    )


def _subsidy_max(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    ceiling, asked = _dec(p["max_eur"]), ctx.figures.subsidy
    if asked > ceiling:
        return False, (
            f"La subvention demandée ({format_eur(asked)}) dépasse le plafond de "
            f"{format_eur(ceiling)} fixé par l'appel."
        )
    return (
        True,
        f"La subvention demandée ({format_eur(asked)}) respecte le plafond de {format_eur(ceiling)}.",
    )


def _subsidy_share(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    limit, f = _dec(p["max_share"]), ctx.figures
    if f.total_expenses <= 0:
        return (
            False,
            "Le budget ne comporte aucune dépense : la part de la subvention ne peut pas être calculée.",
        )
    allowed = max_amount_for_share(f.total_expenses, limit)
    share = f.subsidy_share or Decimal(0)
    # Exact comparison: subsidy / total <= limit  <=>  subsidy <= total * limit.
    if f.subsidy > f.total_expenses * limit:
        places = 2
        while format_percent(share, places) == format_percent(limit, places) and places < 8:
            places += 1  # never print "70 %" for a share that is above 70 %
        return False, (
            f"La subvention demandée ({format_eur(f.subsidy)}) représente {format_percent(share, places)} "
            f"du coût total du projet ({format_eur(f.total_expenses)}), au-delà du maximum de "
            f"{format_percent(limit)} : elle ne peut dépasser {format_eur(allowed)}."
        )
    return True, (
        f"La subvention demandée représente {format_percent(share)} du coût total "
        f"({format_eur(f.total_expenses)}), dans la limite de {format_percent(limit)}."
    )


def _budget_balanced(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    f = ctx.figures
    if f.balance == 0:
        return (
            True,
            f"Le budget est équilibré : ressources et dépenses valent {format_eur(f.total_expenses)}.",
        )
    gap = "excèdent" if f.balance > 0 else "sont inférieures aux"
    return False, (
        f"Le budget n'est pas équilibré : les ressources ({format_eur(f.total_resources)}) {gap} "
        f"dépenses ({format_eur(f.total_expenses)}) de {format_eur(abs(f.balance))}."
    )


def _cofunding_present(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    f = ctx.figures
    if f.cofunding_lines == 0:
        return False, (
            "Aucun cofinancement n'est indiqué : le complément de la subvention doit venir "
            "d'autres financements publics ou privés, ou de fonds propres."
        )
    if "min_acquired_share" in p:
        need = _dec(p["min_acquired_share"])
        if f.total_expenses <= 0 or f.cofunding_acquired < f.total_expenses * need:
            return False, (
                f"Les cofinancements acquis ({format_eur(f.cofunding_acquired)}) doivent couvrir au "
                f"moins {format_percent(need)} du coût total ({format_eur(f.total_expenses)})."
            )
    return (
        True,
        f"Cofinancements indiqués : {format_eur(f.cofunding)} ({f.cofunding_lines} ligne(s)).",
    )


def _carrier_fablab(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    if ctx.facts.carrier_is_fablab:
        return True, "Le projet est porté par un atelier de fabrication numérique (fablab)."
    return False, "Le projet doit être porté par un atelier de fabrication numérique (fablab)."


def _has_investment(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    f = ctx.figures
    if f.investment_lines == 0 or f.investment <= 0:
        labels = ", ".join(c.label.lower() for c in ctx.call.expense_categories if c.investment)
        return False, f"Le budget doit comporter au moins une dépense d'investissement ({labels})."
    return True, f"Dépenses d'investissement : {format_eur(f.investment)}."


def _investment_share(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    need, f = _dec(p["min_share"]), ctx.figures
    share = f.investment_share or Decimal(0)
    if f.total_expenses <= 0 or f.investment < f.total_expenses * need:
        return False, (
            f"Les dépenses d'investissement ({format_eur(f.investment)}) représentent "
            f"{format_percent(share)} du coût total : l'appel en demande au moins {format_percent(need)}."
        )
    return True, f"Les investissements représentent {format_percent(share)} du coût total."


def _siret_valid(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    problem = siret_problem(ctx.facts.siret)
    return (False, problem) if problem else (True, "Le numéro SIRET est valide.")


def _commune_known(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    code = ctx.facts.commune_insee
    if not code:
        return False, "La commune du porteur n'est pas renseignée."
    if not ctx.facts.commune_known:
        return (
            False,
            f"La commune de code INSEE « {code} » est inconnue du référentiel des communes.",
        )
    return True, "La commune du porteur figure au référentiel des communes."


def _region_in(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    if ctx.facts.commune_region in p["regions"]:
        return True, "Le projet est situé dans le territoire de l'appel."
    return False, "Le projet doit être situé dans le territoire couvert par l'appel."


def _kind_allowed(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    if ctx.facts.kind in p["kinds"]:
        return True, "Le type de projet est accepté par l'appel."
    return False, "Ce type de projet (création ou amélioration) n'est pas accepté par l'appel."


def _documents_complete(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    missing = [d.label for d in ctx.call.required_documents if d.id not in ctx.facts.documents]
    if missing:
        return False, "Pièces manquantes : " + " ; ".join(missing) + "."
    return True, "Toutes les pièces demandées sont jointes."


@lru_cache(maxsize=1024)
def _paris(moment: dt.datetime, tz: str) -> str:
    local = moment.astimezone(ZoneInfo(tz))
    return local.strftime("%d/%m/%Y à %H:%M:%S")


def _deadline(ctx: _Context, p: dict[str, Any]) -> tuple[bool, str]:
    call, moment = ctx.call, ctx.facts.moment
    closes = _paris(call.closes_at, call.timezone)
    when = "Candidature déposée" if ctx.facts.submitted else "Nous sommes"
    if moment > call.closes_at:
        return False, (
            f"{when} le {_paris(moment, call.timezone)} (heure de Paris), après la clôture de "
            f"l'appel le {closes}."
        )
    if moment < call.opens_at:
        return False, f"L'appel n'ouvre que le {_paris(call.opens_at, call.timezone)}."
    return True, f"Dans les délais : l'appel clôt le {closes} (heure de Paris)."


RULES: dict[str, RuleKind] = {
    "subsidy_min": RuleKind(_subsidy_min, frozenset({"min_eur"})),
    "subsidy_max": RuleKind(_subsidy_max, frozenset({"max_eur"})),
    "subsidy_share": RuleKind(_subsidy_share, frozenset({"max_share"})),
    "budget_balanced": RuleKind(_budget_balanced),
    "cofunding_present": RuleKind(_cofunding_present, optional=frozenset({"min_acquired_share"})),
    "carrier_fablab": RuleKind(_carrier_fablab),
    "has_investment": RuleKind(_has_investment),
    "investment_share": RuleKind(_investment_share, frozenset({"min_share"})),
    "siret_valid": RuleKind(_siret_valid),
    "commune_known": RuleKind(_commune_known),
    "region_in": RuleKind(_region_in, frozenset({"regions"})),
    "kind_allowed": RuleKind(_kind_allowed, frozenset({"kinds"})),
    "documents_complete": RuleKind(_documents_complete),
    "deadline": RuleKind(_deadline),
}


def rule_spec_problems(call: CallSpec) -> list[str]:
    """What is wrong with a call's rules: unknown kinds, missing or unexpected parameters."""
    problems = []
    for rule in call.rules:
        kind = RULES.get(rule.kind)
        if kind is None:
            known = ", ".join(sorted(RULES))
            problems.append(f"rules : règle inconnue « {rule.kind} » (règles connues : {known}).")
            continue
        given = set(rule.params)
        for missing in sorted(kind.required - given):
            problems.append(f"rules/{rule.id} : paramètre « {missing} » manquant.")
        for extra in sorted(given - kind.required - kind.optional):
            problems.append(f"rules/{rule.id} : paramètre « {extra} » inattendu.")
    if call.rule("has_investment") and not call.investment_categories:
        problems.append(
            "expense_categories : aucune catégorie d'investissement pour la règle has_investment."
        )
    return problems


def check(call: CallSpec, facts: ApplicationFacts) -> EligibilityResult:
    """Run every rule of the call, in the call's order; never raises on a bad application."""
    ctx = _Context(call, facts, figures(facts.budget, call.investment_categories))
    verdicts = []
    for rule in call.rules:
        passed, message = RULES[rule.kind].check(ctx, rule.params)
        verdicts.append(Verdict(rule.id, passed, message))
    return EligibilityResult(tuple(verdicts))


_STATEMENTS: dict[str, Callable[[CallSpec, dict[str, Any]], str]] = {
    "subsidy_min": lambda c, p: (
        f"La subvention demandée est d'au moins {format_eur(Decimal(p['min_eur']))}."
    ),
    "subsidy_max": lambda c, p: (
        f"La subvention demandée ne dépasse pas {format_eur(Decimal(p['max_eur']))}."
    ),
    "subsidy_share": lambda c, p: (
        f"La subvention ne dépasse pas {format_percent(Decimal(p['max_share']))} du coût total du "
        "projet ; le complément vient d'autres financements publics ou privés."
    ),
    "budget_balanced": lambda c, p: "Le budget est équilibré au centime : ressources = dépenses.",
    "cofunding_present": lambda c, p: (
        "Le projet a au moins un autre financeur que l'appel (public, privé ou fonds propres)"
        + (
            f", dont des cofinancements acquis couvrant au moins {format_percent(Decimal(p['min_acquired_share']))} du coût."
            if "min_acquired_share" in p
            else "."
        )
    ),
    "carrier_fablab": lambda c, p: (
        "Le projet est porté par un atelier de fabrication numérique (fablab)."
    ),
    "has_investment": lambda c, p: (
        "Le budget comprend des dépenses d'investissement ("
        + ", ".join(x.label.lower() for x in c.expense_categories if x.investment)
        + ")."
    ),
    "investment_share": lambda c, p: (
        f"Les investissements représentent au moins {format_percent(Decimal(p['min_share']))} des dépenses."
    ),
    "siret_valid": lambda c, p: "La structure porteuse a un numéro SIRET valide.",
    "commune_known": lambda c, p: (
        "La structure est située dans une commune du référentiel officiel."
    ),
    "region_in": lambda c, p: "Le projet est situé dans le territoire de l'appel.",
    "kind_allowed": lambda c, p: (
        "Le type de projet (création ou amélioration) est accepté par l'appel."
    ),
    "documents_complete": lambda c, p: (
        "Les pièces obligatoires sont jointes : "
        + " ; ".join(d.label for d in c.required_documents)
        + "."
    ),
    "deadline": lambda c, p: (
        f"Le dossier est déposé au plus tard le {_paris(c.closes_at, c.timezone)} (heure de Paris)."
    ),
}


def rule_statements(call: CallSpec) -> list[tuple[str, str]]:
    """Each rule of the call as (id, plain French sentence), for the public call page."""
    return [(r.id, _STATEMENTS[r.kind](call, r.params)) for r in call.rules]
