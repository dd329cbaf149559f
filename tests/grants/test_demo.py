"""The grants demo on a small 2013 call: awards, signatures, advances, one final report."""

import pytest

from pollen.grants.demo import load_grants_demo
from pollen.grants.models import GrantStatus, PaymentStatus, Report
from pollen.grants.services import envelope_figures
from tests.grants.helpers import submitted_application

pytestmark = pytest.mark.django_db


def test_the_demo_awards_signs_pays_and_reports_once(call_2013, personas):
    for _ in range(4):
        submitted_application(call_2013, personas["applicant"])
    grants = load_grants_demo(call_2013, awards=4)
    assert len(grants) == 4
    assert all(g.status in {GrantStatus.SIGNED, GrantStatus.CLOSED} for g in grants)
    paid = envelope_figures(call_2013.programme).paid_cents
    assert paid == sum(g.payments.get(trigger="signature").amount_cents for g in grants[:2])
    assert grants[2].payments.get(trigger="signature").status == PaymentStatus.FINANCE_APPROVED
    report = Report.objects.get()
    assert "Subvention retenue" in report.explanation
    assert len(load_grants_demo(call_2013, awards=4)) == 4  # idempotent
