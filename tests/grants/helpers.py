"""Builders for grants: a submitted application, then an award through the grants services."""

import datetime as dt
from decimal import Decimal

from pollen import clock
from pollen.accounts.models import User
from pollen.applications import services as application_services
from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.grants import services
from pollen.grants.models import Grant
from tests.builders import eligible_draft, moment_in_call, organisation_for

DECIDED = dt.date(2013, 10, 15)


def submitted_application(call: Call, user: User, **org: str) -> Application:
    if user.organisation is None:
        organisation_for(user, **org)
    draft = eligible_draft(call, user)
    with clock.override(moment_in_call(call)):
        application_services.submit_application(acting_user=user, application_id=draft.pk)
    return Application.objects.get(pk=draft.pk)


def awarded_grant(
    call: Call, applicant: User, manager: User, amount: Decimal = Decimal("70000.00")
) -> Grant:
    application = submitted_application(call, applicant)
    return services.award_grant(
        acting_user=manager, application=application, amount=amount, decided_on=DECIDED
    )
