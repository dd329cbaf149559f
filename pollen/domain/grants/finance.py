"""Grant arithmetic in plain Python (no Django): tranches, award re-check, settlement, envelope."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Literal

from pollen.domain.apply import eligibility
from pollen.domain.apply.budget import Budget, ResourceKind, ResourceLine, ResourceStatus
from pollen.domain.apply.calls import CallSpec, PaymentStep
from pollen.domain.apply.money import format_eur, format_percent, from_cents
from pollen.domain.text import Amount, Text, gettext_noop

# The rules that speak about the subsidy's amount: they are re-checked on the awarded figure.
AMOUNT_RULES = frozenset({"subsidy_min", "subsidy_max", "subsidy_share"})
DEFAULT_SCHEDULE = (PaymentStep("Versement unique à la signature", Decimal(1), "signature"),)


@dataclass(frozen=True, slots=True)
class Tranche:
    position: int
    label: str
    on: str
    share: Decimal
    amount_cents: int


GRANT_YEARS = 2  # an agreement runs two years unless the award says otherwise


def grant_end_date(starts_on: dt.date, years: int = GRANT_YEARS) -> dt.date:
    """The same day `years` later; a start on 29 February ends on 28 February."""
    try:
        return starts_on.replace(year=starts_on.year + years)
    except ValueError:  # 29 February in a year that has none
        return starts_on.replace(year=starts_on.year + years, day=28)


def split_schedule(award_cents: int, steps: tuple[PaymentStep, ...]) -> tuple[Tranche, ...]:
    """Tranches rounded down to the cent; the last takes the remainder so they sum to the award."""
    if award_cents < 0:
        raise ValueError("Le montant attribué ne peut pas être négatif.")
    steps = steps or DEFAULT_SCHEDULE
    tranches: list[Tranche] = []
    given = 0
    for position, step in enumerate(steps):
        if position == len(steps) - 1:
            amount = award_cents - given
        else:
            amount = int((Decimal(award_cents) * step.share).to_integral_value(ROUND_DOWN))
        given += amount
        tranches.append(Tranche(position, step.label, step.on, step.share, amount))
    return tuple(tranches)


def _with_subsidy(budget: Budget, awarded: Decimal) -> Budget:
    others = tuple(r for r in budget.resources if r.kind != ResourceKind.REQUESTED_SUBSIDY)
    subsidy = ResourceLine(
        "Subvention attribuée", ResourceKind.REQUESTED_SUBSIDY, ResourceStatus.ACQUIRED, awarded
    )
    return Budget(budget.expenses, (subsidy, *others))


def recheck_award(
    call: CallSpec, facts: eligibility.ApplicationFacts, awarded: Decimal
) -> eligibility.EligibilityResult:
    """The call's amount rules on the awarded figure, worded for an award."""
    amount_call = dataclasses.replace(
        call, rules=tuple(r for r in call.rules if r.kind in AMOUNT_RULES)
    )
    facts = dataclasses.replace(facts, budget=_with_subsidy(facts.budget, awarded))
    result = eligibility.check(amount_call, facts)
    kinds = {r.id: r.kind for r in amount_call.rules}
    return eligibility.EligibilityResult(
        tuple(_worded_for_award(v, kinds[v.rule]) for v in result.verdicts)
    )


# The amount rules' refusals, said of the awarded amount (the same figures fill them).
_FOR_AWARD = {
    "subsidy_min": gettext_noop(
        "La subvention attribuée (%(asked)s) est inférieure au plancher de %(floor)s "
        "fixé par l'appel."
    ),
    "subsidy_max": gettext_noop(
        "La subvention attribuée (%(asked)s) dépasse le plafond de %(ceiling)s fixé par l'appel."
    ),
    "subsidy_share": gettext_noop(
        "La subvention attribuée (%(asked)s) représente %(share)s du coût total du projet "
        "(%(total)s), au-delà du maximum de %(limit)s : elle ne peut dépasser %(allowed)s."
    ),
}


def _worded_for_award(verdict: eligibility.Verdict, kind: str) -> eligibility.Verdict:
    """The same verdict about the awarded amount (a refusal keeps its figures)."""
    text = verdict.text
    if verdict.passed or kind not in _FOR_AWARD or "asked" not in text.params:
        message = verdict.message.replace("subvention demandée", "subvention attribuée")
        return dataclasses.replace(verdict, text=Text(message))
    return dataclasses.replace(verdict, text=Text(_FOR_AWARD[kind], text.params))


def max_share_of(call: CallSpec) -> Decimal | None:
    rule = next((r for r in call.rules if r.kind == "subsidy_share"), None)
    return Decimal(rule.params["max_share"]) if rule else None


@dataclass(frozen=True, slots=True)
class Settlement:
    """What the final report leaves of the award, and the balance still to pay (or to recover)."""

    retained_cents: int
    paid_before_cents: int
    balance_cents: int  # negative: to be recovered from the grantee
    reduced: bool
    explanation: str


def _cap_lines(
    award_cents: int, actual_cents: int, cofunding_cents: int, max_share: Decimal | None
) -> tuple[int, list[str]]:
    actual = from_cents(actual_cents)
    cap = award_cents
    lines = [f"Subvention attribuée : {format_eur(from_cents(award_cents))}."]
    if max_share is not None:
        share_cap = int((Decimal(actual_cents) * max_share).to_integral_value(ROUND_DOWN))
        lines.append(
            f"Dépenses réelles : {format_eur(actual)} ; {format_percent(max_share)} de ces "
            f"dépenses : {format_eur(from_cents(share_cap))}."
        )
        cap = min(cap, share_cap)
    # A subsidy never makes a profit: with the co-funding obtained it may not exceed the expenses.
    no_profit_cap = max(actual_cents - cofunding_cents, 0)
    lines.append(
        f"Cofinancements obtenus : {format_eur(from_cents(cofunding_cents))} ; la subvention ne "
        f"peut dépasser dépenses moins cofinancements, soit {format_eur(from_cents(no_profit_cap))}."
    )
    return min(cap, no_profit_cap), lines


def settle(
    *,
    award_cents: int,
    paid_before_cents: int,
    actual_expenses_cents: int,
    cofunding_cents: int,
    max_share: Decimal | None,
) -> Settlement:
    """Re-check the award on the actuals; the balance is what remains once earlier tranches are paid."""
    retained, lines = _cap_lines(award_cents, actual_expenses_cents, cofunding_cents, max_share)
    balance = retained - paid_before_cents
    reduced = retained < award_cents
    lines.append(
        f"Subvention retenue : {format_eur(from_cents(retained))}"
        + (
            f" (réduite de {format_eur(from_cents(award_cents - retained))})."
            if reduced
            else " (montant attribué maintenu)."
        )
    )
    lines.append(f"Déjà versé ou engagé : {format_eur(from_cents(paid_before_cents))}.")
    if balance >= 0:
        lines.append(f"Solde à verser : {format_eur(from_cents(balance))}.")
    else:
        lines.append(
            f"Trop-perçu à reverser par le bénéficiaire : {format_eur(from_cents(-balance))}."
        )
    return Settlement(retained, paid_before_cents, balance, reduced, " ".join(lines))


@dataclass(frozen=True, slots=True)
class EnvelopeFigures:
    envelope_cents: int
    committed_cents: int
    paid_cents: int

    @property
    def remaining_cents(self) -> int:
        """What can still be committed; never negative since commitments are refused beyond it."""
        return max(self.envelope_cents - self.committed_cents, 0)

    @property
    def committed_share(self) -> Decimal:
        if self.envelope_cents <= 0:
            return Decimal(0)
        return Decimal(self.committed_cents) / Decimal(self.envelope_cents)


EnvelopeScope = Literal["programme", "call"]

_COMMITMENT_REFUSALS: dict[EnvelopeScope, str] = {
    "programme": gettext_noop(
        "Engagement refusé : %(amount)s dépasseraient l'enveloppe du programme « %(name)s » "
        "(%(envelope)s), dont %(committed)s sont déjà engagés ; il reste %(remaining)s."
    ),
    "call": gettext_noop(
        "Engagement refusé : %(amount)s dépasseraient l'enveloppe de l'appel « %(name)s » "
        "(%(envelope)s), dont %(committed)s sont déjà engagés ; il reste %(remaining)s."
    ),
}


def commitment_problem(
    scope: EnvelopeScope, name: str, figures: EnvelopeFigures, new_cents: int
) -> Text | None:
    """None when the new commitment fits the envelope of the programme or call (`scope`) named
    `name`, else a sentence with the figures."""
    if figures.committed_cents + new_cents <= figures.envelope_cents:
        return None
    return Text(
        _COMMITMENT_REFUSALS[scope],
        {
            "amount": Amount(from_cents(new_cents)),
            "name": name,
            "envelope": Amount(from_cents(figures.envelope_cents)),
            "committed": Amount(from_cents(figures.committed_cents)),
            "remaining": Amount(from_cents(figures.remaining_cents)),
        },
    )
