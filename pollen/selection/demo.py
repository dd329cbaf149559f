"""Demo data for the committee: two scenarios for the 2013 call, one frozen into decisions."""

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pollen import clock
from pollen.accounts.models import User
from pollen.calls.models import Call
from pollen.selection import adapters, services
from pollen.selection.models import SelectionRun

COMMITTEE = "comite@pollen.example"
MANAGER = "responsable@pollen.example"


def load_selection_demo(call_slug: str = "fablabs-2013") -> dict[str, int]:
    """Idempotent: does nothing once the call has runs. Call it after the review demo (it
    needs scores). Returns what it made."""
    call = Call.objects.get(slug=call_slug)
    if SelectionRun.objects.filter(call=call).exists():
        return {}
    committee, manager = User.objects.get(email=COMMITTEE), User.objects.get(email=MANAGER)
    day = call.selection_on or call.closes_at.date() + dt.timedelta(days=30)
    meeting = dt.datetime.combine(day, dt.time(10, 0), tzinfo=clock.PARIS)
    base = adapters.ScenarioParameters(envelope=call.envelope, max_awards=call.target_awards)
    with clock.override(meeting):
        services.run_scenario(
            acting_user=committee,
            call=call,
            name="Notes seules",
            parameters=_with(base, coverage_weight=Decimal("0")),
        )
    with clock.override(meeting + dt.timedelta(minutes=20)):
        spread = services.run_scenario(
            acting_user=committee,
            call=call,
            name="Notes et territoire (w = 5, 2 par région)",
            parameters=_with(base, coverage_weight=Decimal("5"), region_max=2),
        )
    if spread.status not in services.SOLVABLE:
        return {"runs": 2, "decisions": 0}
    with clock.override(meeting + dt.timedelta(hours=1)):
        decisions = services.freeze_run(acting_user=manager, run=spread)
    return {"runs": 2, "decisions": len(decisions)}


def _with(base: adapters.ScenarioParameters, **changes: Any) -> adapters.ScenarioParameters:
    return replace(base, **changes)
