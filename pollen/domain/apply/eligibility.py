"""The eligibility engine: each rule of a call gives a verdict with a stable id and a French reason.

Each reason is a `Text` whose figures stay numbers, so the web pages can show it in English with
English figures; `message` is the French.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from pollen.domain.apply.budget import Budget, BudgetFigures, figures, max_amount_for_share
from pollen.domain.apply.calls import CallSpec
from pollen.domain.apply.money import format_percent
from pollen.domain.apply.siret import SIRET_VALID, siret_problem
from pollen.domain.text import (
    Amount,
    Day,
    FigureWriter,
    Number,
    Param,
    Share,
    Text,
    french,
    gettext_noop,
)


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
    text: Text

    @property
    def message(self) -> str:
        """The reason, in French."""
        return str(self.text)

    def translated(self, gettext: Callable[[str], str], write: FigureWriter = french) -> str:
        """The reason in gettext's language, its figures written by `write`."""
        return self.text.translated(gettext, write)

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


RuleCheck = Callable[[_Context, dict[str, Any]], tuple[bool, Text]]


@dataclass(frozen=True, slots=True)
class RuleKind:
    check: RuleCheck
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()


def _say(template: str, **params: Param) -> Text:
    return Text(template, params)


def _listed(labels: Iterable[str]) -> str:
    return " ; ".join(labels)


def _subsidy_min(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    floor, asked = _dec(p["min_eur"]), ctx.figures.subsidy
    amounts = {"asked": Amount(asked), "floor": Amount(floor)}
    if asked < floor:
        return False, Text(
            gettext_noop(
                "La subvention demandée (%(asked)s) est inférieure au plancher de %(floor)s "
                "fixé par l'appel."
            ),
            amounts,
        )
    return True, Text(
        gettext_noop("La subvention demandée (%(asked)s) atteint le plancher de %(floor)s."),
        amounts,
    )


def _subsidy_max(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    ceiling, asked = _dec(p["max_eur"]), ctx.figures.subsidy
    amounts = {"asked": Amount(asked), "ceiling": Amount(ceiling)}
    if asked > ceiling:
        return False, Text(
            gettext_noop(
                "La subvention demandée (%(asked)s) dépasse le plafond de %(ceiling)s "
                "fixé par l'appel."
            ),
            amounts,
        )
    return True, Text(
        gettext_noop("La subvention demandée (%(asked)s) respecte le plafond de %(ceiling)s."),
        amounts,
    )


def _subsidy_share(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    limit, f = _dec(p["max_share"]), ctx.figures
    if f.total_expenses <= 0:
        return False, _say(
            gettext_noop(
                "Le budget ne comporte aucune dépense : "
                "la part de la subvention ne peut pas être calculée."
            )
        )
    allowed = max_amount_for_share(f.total_expenses, limit)
    share = f.subsidy_share or Decimal(0)
    # Exact comparison: subsidy / total <= limit  <=>  subsidy <= total * limit.
    if f.subsidy > f.total_expenses * limit:
        places = 2
        while format_percent(share, places) == format_percent(limit, places) and places < 8:
            places += 1  # never print "70 %" for a share that is above 70 %
        return False, _say(
            gettext_noop(
                "La subvention demandée (%(asked)s) représente %(share)s du coût total du projet "
                "(%(total)s), au-delà du maximum de %(limit)s : elle ne peut dépasser %(allowed)s."
            ),
            asked=Amount(f.subsidy),
            share=Share(share, places),
            total=Amount(f.total_expenses),
            limit=Share(limit),
            allowed=Amount(allowed),
        )
    return True, _say(
        gettext_noop(
            "La subvention demandée représente %(share)s du coût total (%(total)s), "
            "dans la limite de %(limit)s."
        ),
        share=Share(share),
        total=Amount(f.total_expenses),
        limit=Share(limit),
    )


def _budget_balanced(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    f = ctx.figures
    if f.balance == 0:
        return True, _say(
            gettext_noop("Le budget est équilibré : ressources et dépenses valent %(total)s."),
            total=Amount(f.total_expenses),
        )
    amounts = {
        "resources": Amount(f.total_resources),
        "expenses": Amount(f.total_expenses),
        "gap": Amount(abs(f.balance)),
    }
    if f.balance > 0:
        template = gettext_noop(
            "Le budget n'est pas équilibré : les ressources (%(resources)s) excèdent "
            "les dépenses (%(expenses)s) de %(gap)s."
        )
    else:
        template = gettext_noop(
            "Le budget n'est pas équilibré : les ressources (%(resources)s) sont inférieures aux "
            "dépenses (%(expenses)s) de %(gap)s."
        )
    return False, Text(template, amounts)


def _cofunding_present(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    f = ctx.figures
    if f.cofunding_lines == 0:
        return False, _say(
            gettext_noop(
                "Aucun cofinancement n'est indiqué : le complément de la subvention doit venir "
                "d'autres financements publics ou privés, ou de fonds propres."
            )
        )
    if "min_acquired_share" in p:
        need = _dec(p["min_acquired_share"])
        if f.total_expenses <= 0 or f.cofunding_acquired < f.total_expenses * need:
            return False, _say(
                gettext_noop(
                    "Les cofinancements acquis (%(acquired)s) doivent couvrir au moins %(need)s "
                    "du coût total (%(total)s)."
                ),
                acquired=Amount(f.cofunding_acquired),
                need=Share(need),
                total=Amount(f.total_expenses),
            )
    return True, _say(
        gettext_noop("Cofinancements indiqués : %(amount)s (%(lines)s ligne(s))."),
        amount=Amount(f.cofunding),
        lines=Number(f.cofunding_lines),
    )


def _carrier_fablab(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    if ctx.facts.carrier_is_fablab:
        return True, _say(
            gettext_noop("Le projet est porté par un atelier de fabrication numérique (fablab).")
        )
    return False, _say(
        gettext_noop("Le projet doit être porté par un atelier de fabrication numérique (fablab).")
    )


def _has_investment(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    f = ctx.figures
    if f.investment_lines == 0 or f.investment <= 0:
        labels = ", ".join(c.label.lower() for c in ctx.call.expense_categories if c.investment)
        return False, _say(
            gettext_noop(
                "Le budget doit comporter au moins une dépense d'investissement (%(categories)s)."
            ),
            categories=labels,
        )
    return True, _say(
        gettext_noop("Dépenses d'investissement : %(amount)s."), amount=Amount(f.investment)
    )


def _investment_share(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    need, f = _dec(p["min_share"]), ctx.figures
    share = f.investment_share or Decimal(0)
    if f.total_expenses <= 0 or f.investment < f.total_expenses * need:
        return False, _say(
            gettext_noop(
                "Les dépenses d'investissement (%(amount)s) représentent %(share)s du coût total : "
                "l'appel en demande au moins %(need)s."
            ),
            amount=Amount(f.investment),
            share=Share(share),
            need=Share(need),
        )
    return True, _say(
        gettext_noop("Les investissements représentent %(share)s du coût total."),
        share=Share(share),
    )


def _siret_valid(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    problem = siret_problem(ctx.facts.siret)
    return (False, problem) if problem else (True, SIRET_VALID)


def _commune_known(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    code = ctx.facts.commune_insee
    if not code:
        return False, _say(gettext_noop("La commune du porteur n'est pas renseignée."))
    if not ctx.facts.commune_known:
        return False, _say(
            gettext_noop(
                "La commune de code INSEE « %(code)s » est inconnue du référentiel des communes."
            ),
            code=code,
        )
    return True, _say(gettext_noop("La commune du porteur figure au référentiel des communes."))


def _region_in(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    if ctx.facts.commune_region in p["regions"]:
        return True, _say(gettext_noop("Le projet est situé dans le territoire de l'appel."))
    return False, _say(
        gettext_noop("Le projet doit être situé dans le territoire couvert par l'appel.")
    )


def _kind_allowed(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    if ctx.facts.kind in p["kinds"]:
        return True, _say(gettext_noop("Le type de projet est accepté par l'appel."))
    return False, _say(
        gettext_noop("Ce type de projet (création ou amélioration) n'est pas accepté par l'appel.")
    )


def _documents_complete(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    missing = [d.label for d in ctx.call.required_documents if d.id not in ctx.facts.documents]
    if missing:
        return False, _say(
            gettext_noop("Pièces manquantes : %(documents)s."), documents=_listed(missing)
        )
    return True, _say(gettext_noop("Toutes les pièces demandées sont jointes."))


@lru_cache(maxsize=1024)
def _paris(moment: dt.datetime, tz: str, prefix: str = "") -> Mapping[str, Param]:
    """A moment's local day and time, as the values `%(day)s à %(time)s` of a template
    (read-only: the cache hands the same mapping to every caller)."""
    local = moment.astimezone(ZoneInfo(tz))
    return MappingProxyType(
        {f"{prefix}day": Day(local.date()), f"{prefix}time": local.strftime("%H:%M:%S")}
    )


def _deadline(ctx: _Context, p: dict[str, Any]) -> tuple[bool, Text]:
    call, moment = ctx.call, ctx.facts.moment
    if moment > call.closes_at:
        if ctx.facts.submitted:
            template = gettext_noop(
                "Candidature déposée le %(day)s à %(time)s (heure de Paris), après la clôture "
                "de l'appel le %(closes_day)s à %(closes_time)s."
            )
        else:
            template = gettext_noop(
                "Nous sommes le %(day)s à %(time)s (heure de Paris), après la clôture "
                "de l'appel le %(closes_day)s à %(closes_time)s."
            )
        return False, Text(
            template,
            {**_paris(moment, call.timezone), **_paris(call.closes_at, call.timezone, "closes_")},
        )
    if moment < call.opens_at:
        return False, Text(
            gettext_noop("L'appel n'ouvre que le %(day)s à %(time)s."),
            _paris(call.opens_at, call.timezone),
        )
    return True, Text(
        gettext_noop("Dans les délais : l'appel clôt le %(day)s à %(time)s (heure de Paris)."),
        _paris(call.closes_at, call.timezone),
    )


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
        passed, text = RULES[rule.kind].check(ctx, rule.params)
        verdicts.append(Verdict(rule.id, passed, text))
    return EligibilityResult(tuple(verdicts))


_STATEMENTS: dict[str, Callable[[CallSpec, dict[str, Any]], Text]] = {
    "subsidy_min": lambda c, p: _say(
        gettext_noop("La subvention demandée est d'au moins %(floor)s."),
        floor=Amount(Decimal(p["min_eur"])),
    ),
    "subsidy_max": lambda c, p: _say(
        gettext_noop("La subvention demandée ne dépasse pas %(ceiling)s."),
        ceiling=Amount(Decimal(p["max_eur"])),
    ),
    "subsidy_share": lambda c, p: _say(
        gettext_noop(
            "La subvention ne dépasse pas %(limit)s du coût total du projet ; "
            "le complément vient d'autres financements publics ou privés."
        ),
        limit=Share(Decimal(p["max_share"])),
    ),
    "budget_balanced": lambda c, p: _say(
        gettext_noop("Le budget est équilibré au centime : ressources = dépenses.")
    ),
    "cofunding_present": lambda c, p: (
        _say(
            gettext_noop(
                "Le projet a au moins un autre financeur que l'appel (public, privé ou fonds "
                "propres), dont des cofinancements acquis couvrant au moins %(need)s du coût."
            ),
            need=Share(Decimal(p["min_acquired_share"])),
        )
        if "min_acquired_share" in p
        else _say(
            gettext_noop(
                "Le projet a au moins un autre financeur que l'appel "
                "(public, privé ou fonds propres)."
            )
        )
    ),
    "carrier_fablab": lambda c, p: _say(
        gettext_noop("Le projet est porté par un atelier de fabrication numérique (fablab).")
    ),
    "has_investment": lambda c, p: _say(
        gettext_noop("Le budget comprend des dépenses d'investissement (%(categories)s)."),
        categories=", ".join(x.label.lower() for x in c.expense_categories if x.investment),
    ),
    "investment_share": lambda c, p: _say(
        gettext_noop("Les investissements représentent au moins %(need)s des dépenses."),
        need=Share(Decimal(p["min_share"])),
    ),
    "siret_valid": lambda c, p: _say(
        gettext_noop("La structure porteuse a un numéro SIRET valide.")
    ),
    "commune_known": lambda c, p: _say(
        gettext_noop("La structure est située dans une commune du référentiel officiel.")
    ),
    "region_in": lambda c, p: _say(
        gettext_noop("Le projet est situé dans le territoire de l'appel.")
    ),
    "kind_allowed": lambda c, p: _say(
        gettext_noop("Le type de projet (création ou amélioration) est accepté par l'appel.")
    ),
    "documents_complete": lambda c, p: _say(
        gettext_noop("Les pièces obligatoires sont jointes : %(documents)s."),
        documents=_listed(d.label for d in c.required_documents),
    ),
    "deadline": lambda c, p: Text(
        gettext_noop("Le dossier est déposé au plus tard le %(day)s à %(time)s (heure de Paris)."),
        _paris(c.closes_at, c.timezone),
    ),
}


def rule_statements(call: CallSpec) -> list[tuple[str, Text]]:
    """Each rule of the call as (id, plain French sentence), for the public call page."""
    return [(r.id, _STATEMENTS[r.kind](call, r.params)) for r in call.rules]
