"""Demo data after the decision: about ten awards, signed agreements, advances paid, one final report."""

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from pollen import clock
from pollen.accounts.models import Role, User
from pollen.applications.models import Application, Status
from pollen.calls.models import Call
from pollen.grants import services
from pollen.grants.models import Grant, PaymentStatus

DECIDED = dt.datetime(2013, 10, 15, 11, 0, tzinfo=clock.PARIS)
SIGNED = dt.datetime(2013, 11, 4, 10, 0, tzinfo=clock.PARIS)
PAID = dt.datetime(2013, 11, 20, 15, 0, tzinfo=clock.PARIS)
REPORTED = dt.datetime(2015, 9, 30, 16, 0, tzinfo=clock.PARIS)


def _staff(role: str, call: Call) -> User:
    """The first of this role in the call's programme's team (the programme wall)."""
    return User.objects.filter(role=role, is_active=True, programmes=call.programme_id).order_by(
        "id"
    )[0]


def _amount(application: Application, index: int) -> Decimal:
    """Every third award is trimmed by 10 % (never under the call's floor) to show a lower award."""
    asked = application.requested_amount
    if index % 3 != 2:
        return asked
    trimmed = (asked * Decimal("0.9")).quantize(Decimal("1000"), rounding=ROUND_DOWN)
    return max(trimmed, Decimal("50000.00"))


def load_grants_demo(call: Call, awards: int = 10) -> list[Grant]:
    """Idempotent: does nothing when the call already has grants. Call it from load_demo."""
    if Grant.objects.filter(call=call).exists():
        return list(Grant.objects.filter(call=call))
    manager, instructor, finance = (
        _staff(Role.MANAGER, call),
        _staff(Role.INSTRUCTOR, call),
        _staff(Role.FINANCE, call),
    )
    # The committee's selection when it has met; otherwise the first eligible submissions.
    selected = Application.objects.filter(call=call, status=Status.SELECTED).order_by("id")
    candidates = (
        selected
        if selected.exists()
        else Application.objects.filter(
            call=call, status__in=[Status.SUBMITTED, Status.COMPLETE], eligible=True
        ).order_by("id")[:awards]
    )
    grants = []
    for index, application in enumerate(candidates):
        with clock.override(DECIDED):
            try:
                grant = services.award_grant(
                    acting_user=manager,
                    application=application,
                    amount=_amount(application, index),
                    decided_on=DECIDED.date(),
                    starts_on=dt.date(2013, 11, 1),
                    ends_on=dt.date(2015, 10, 31),
                )
            except services.GrantError:
                continue
        with clock.override(SIGNED):
            grant = services.sign_agreement(
                acting_user=instructor,
                grant=grant,
                signed_on=SIGNED.date(),
                signatory=application.created_by.full_name or application.created_by.email,
            )
        with clock.override(PAID):
            advance = grant.payments.get(trigger="signature")
            services.approve_payment(acting_user=manager, payment=advance)
            services.approve_payment(acting_user=finance, payment=advance)
            if index < awards - 2:  # two advances left for the finance officer to pay in the demo
                services.mark_paid(
                    acting_user=finance,
                    payment=advance,
                    reference=f"VIR-2013-{index + 1:03d}",
                    transferred_on=clock.today(),
                )
        grants.append(grant)
    if grants:
        _final_report(grants[0])
    return grants


def _final_report(grant: Grant) -> None:
    """Actual expenses 10 % under plan: the balance is recomputed and shown in French."""
    application = grant.application
    planned: dict[str, Decimal] = {}
    for line in application.expense_lines.all():
        planned[line.category] = planned.get(line.category, Decimal(0)) + line.amount
    actual = {k: (v * Decimal("0.9")).quantize(Decimal("0.01")) for k, v in planned.items()}
    cofunding = application.total_expenses - application.requested_amount
    with clock.override(REPORTED):
        services.file_report(
            acting_user=application.created_by,
            grant=grant,
            kind="final",
            narrative=(
                "L'atelier est équipé et ouvert au public quatre jours par semaine ; "
                "la découpeuse laser a coûté moins que prévu."
            ),
            actual_expenses=actual,
            cofunding_obtained=cofunding,
        )
    assert grant.payments.filter(status=PaymentStatus.REQUESTED).exists()
