"""A grant's and its tranches' lifecycles: signature, payment in four steps, closing."""

from __future__ import annotations

from collections.abc import Iterable
from types import MappingProxyType

from pollen.domain.lifecycle import Lifecycle
from pollen.domain.text import Text, gettext_noop

# A grant's statuses, as stored (pollen/grants/models.py labels them).
AWARDED = "awarded"
SIGNED = "signed"
CLOSED = "closed"

# A tranche's statuses.
SCHEDULED = "scheduled"
REQUESTED = "requested"
INSTRUCTOR_APPROVED = "instructor_approved"
FINANCE_APPROVED = "finance_approved"
PAID = "paid"

# Events. A grant is signed, receives reports, has its tranches paid, then is closed;
# a tranche is requested, approved by the instruction then by the finances, then paid.
SIGN = "sign"
REPORT = "report"
PAY = "pay"
CLOSE = "close"
REQUEST = "request"
APPROVE = "approve"

GRANT = Lifecycle(
    name="grant",
    initial=AWARDED,
    transitions=MappingProxyType(
        {
            AWARDED: MappingProxyType({SIGN: SIGNED}),
            SIGNED: MappingProxyType({REPORT: SIGNED, PAY: SIGNED, CLOSE: CLOSED}),
            CLOSED: MappingProxyType({}),
        }
    ),
    reasons=MappingProxyType(
        {
            SIGN: gettext_noop("La convention de cette subvention est déjà signée."),
            REPORT: gettext_noop(
                "Un rapport ne peut être déposé que pour une convention signée en cours."
            ),
            PAY: gettext_noop("La convention doit être signée avant toute demande de versement."),
            CLOSE: gettext_noop("Seule une subvention dont la convention est signée se solde."),
        }
    ),
    reasons_from=MappingProxyType(
        {
            (CLOSED, PAY): gettext_noop("Cette subvention est soldée : plus aucun versement."),
            (CLOSED, CLOSE): gettext_noop("Cette subvention est déjà soldée."),
        }
    ),
)

PAYMENT = Lifecycle(
    name="payment",
    initial=SCHEDULED,
    transitions=MappingProxyType(
        {
            SCHEDULED: MappingProxyType({REQUEST: REQUESTED}),
            REQUESTED: MappingProxyType({APPROVE: INSTRUCTOR_APPROVED}),
            INSTRUCTOR_APPROVED: MappingProxyType({APPROVE: FINANCE_APPROVED}),
            FINANCE_APPROVED: MappingProxyType({PAY: PAID}),
            PAID: MappingProxyType({}),
        }
    ),
    reasons=MappingProxyType(
        {
            REQUEST: gettext_noop("Ce versement a déjà été demandé."),
            APPROVE: gettext_noop("Ce versement n'attend pas de validation."),
            PAY: gettext_noop("Seul un versement validé par les finances peut être marqué versé."),
        }
    ),
    reasons_from=MappingProxyType(
        {
            (PAID, PAY): gettext_noop("Ce versement a déjà été versé."),
            (PAID, APPROVE): gettext_noop("Ce versement a déjà été versé."),
            (SCHEDULED, APPROVE): gettext_noop("Ce versement n'a pas encore été demandé."),
        }
    ),
)

# Which approval a tranche waits for: the instruction's, then the finances'.
APPROVAL_BY = MappingProxyType({REQUESTED: "instruction", INSTRUCTOR_APPROVED: "finance"})


def payment_refusal(payment_status: str, grant_status: str, event: str) -> Text | None:
    """Why a tranche may not take this step: its grant must be signed, then its own status."""
    return GRANT.refusal(grant_status, PAY) or PAYMENT.refusal(payment_status, event)


def next_payment_status(payment_status: str, grant_status: str, event: str) -> str:
    """The tranche's next status; `TransitionRefused` when the grant or the tranche refuses."""
    GRANT.next_status(grant_status, PAY)
    return PAYMENT.next_status(payment_status, event)


def can_be_paid(payment_status: str, grant_status: str) -> bool:
    return payment_refusal(payment_status, grant_status, PAY) is None


def closes_grant(unpaid_amounts: Iterable[int]) -> bool:
    """A signed grant is closed when every tranche with money in it is paid."""
    return not any(cents > 0 for cents in unpaid_amounts)
