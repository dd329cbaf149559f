"""A small instruction world: submitted applications in Rennes and Brest, experts around France."""

import datetime as dt
from decimal import Decimal

import pytest

from pollen import clock
from pollen.accounts.models import Organisation, Role, User
from pollen.applications import services as application_services
from pollen.applications.models import Application, Status
from pollen.calls.models import Call
from pollen.demo.personas import PROGRAMME_2013
from pollen.expertise import services as expertise_services
from pollen.expertise.models import ExpertProfile
from pollen.territory.models import Commune
from tests.builders import eligible_draft, organisation_for
from tests.conftest import staff_of


def submitted_application(call: Call, user: User, title: str = "") -> Application:
    """A complete draft of the user's organisation, submitted the day before closing."""
    draft = eligible_draft(call, user)
    if title:
        Application.objects.filter(pk=draft.pk).update(title=title)
    with clock.override(call.closes_at - dt.timedelta(days=1)):
        application_services.submit_application(acting_user=user, application_id=draft.pk)
    return Application.objects.get(pk=draft.pk)


def make_expert(
    user: User,
    *,
    commune: str = "",
    organisation: str = "",
    tags: tuple[str, ...] = (),
    max_load: int = 5,
) -> ExpertProfile:
    return expertise_services.save_expert_profile(
        acting_user=user,
        user=user,
        tags=list(tags),
        organisation_name=organisation,
        commune=Commune.objects.get(code=commune) if commune else None,
        max_load=max_load,
    )


def new_expert(email: str, **kwargs: object) -> ExpertProfile:
    user = User.objects.create_user(email, "x", full_name=email.split("@")[0], role=Role.EXPERT)
    staff_of(PROGRAMME_2013, user)  # the 2013 call's experts
    return make_expert(user, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def world(call_2013, personas, django_capture_on_commit_callbacks):
    """Applicant A (Rennes, 35) and B (Brest, 29) have each a submitted application."""
    organisation_for(personas["applicant"], name="Fablab de Rennes")
    organisation_for(
        personas["applicant_b"], siret="44306184100047", commune="29019", name="Fablab de Brest"
    )
    # The receipts' tasks, due after the commits, are left out whatever the task backend: the
    # tests count the mails and tasks of what they do, not of the world's making.
    with django_capture_on_commit_callbacks():
        a = submitted_application(call_2013, personas["applicant"], "Atelier laser à Rennes")
        b = submitted_application(call_2013, personas["applicant_b"], "Fabrique solidaire à Brest")
    return {"call": call_2013, "a": a, "b": b}


@pytest.fixture
def experts(world, personas):
    """The expert persona (Paris) and two more, in Lyon and in Quimper (Finistère, like Brest)."""
    return {
        "paris": make_expert(
            personas["expert"], commune="75056", organisation="Université", tags=("machines",)
        ),
        "lyon": new_expert("lyon@test.example", commune="69123", tags=("education",)),
        "quimper": new_expert("quimper@test.example", commune="29232", tags=("machines",)),
    }


def mark_complete(application: Application, user: User) -> Application:
    application_services.mark_complete(acting_user=user, application=application)
    return Application.objects.get(pk=application.pk)


def bulk_applications(call: Call, user: User, count: int, **fields: object) -> list[Application]:
    """Many plain rows at once, for list sizes (the services are exercised elsewhere)."""
    organisation = user.organisation or Organisation.objects.first()
    now = clock.now()
    rows = [
        Application(
            call=call,
            organisation=organisation,
            created_by=user,
            title=f"Projet {i:03d}",
            status=fields.get("status", Status.SUBMITTED),
            eligible=fields.get("eligible", True),
            failed_rules=fields.get("failed_rules", []),
            requested_amount=Decimal("60000.00"),
            total_expenses=Decimal("100000.00"),
            created_at=now,
            updated_at=now,
        )
        for i in range(count)
    ]
    return Application.objects.bulk_create(rows)
