"""The committee's demo: two scenarios for the call, one frozen; running it again changes nothing."""

import pytest

from pollen.accounts.models import Role, User
from pollen.demo.personas import PROGRAMME_2013
from pollen.selection.demo import COMMITTEE, MANAGER, load_selection_demo
from pollen.selection.models import Decision, SelectionRun
from tests.conftest import staff_of

pytestmark = pytest.mark.django_db


def test_the_demo_committee_has_met_and_it_is_idempotent(world):
    staff_of(PROGRAMME_2013, User.objects.create_user(COMMITTEE, "x", role=Role.COMMITTEE))
    staff_of(PROGRAMME_2013, User.objects.create_user(MANAGER, "x", role=Role.MANAGER))
    made = load_selection_demo()
    assert made == {"runs": 2, "decisions": len(world)}
    assert SelectionRun.objects.filter(frozen_at__isnull=False).count() == 1
    assert load_selection_demo() == {}
    assert SelectionRun.objects.count() == 2 and Decision.objects.count() == len(world)
