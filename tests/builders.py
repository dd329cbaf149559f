"""Builders of realistic objects for tests, through the same services the app uses."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from pollen import clock
from pollen.accounts.models import LegalForm, Organisation, User
from pollen.applications import services
from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.domain.apply.budget import (
    Budget,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
)
from pollen.territory.models import Commune

VALID_SIRETS = ("73282932000074", "35600000000048", "44306184100047")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def organisation_for(
    user: User,
    *,
    siret: str = "73282932000074",
    commune: str = "35238",
    name: str = "Fablab de test",
) -> Organisation:
    org = Organisation.objects.create(
        legal_name=name,
        siret=siret,
        legal_form=LegalForm.ASSOCIATION,
        commune=Commune.objects.get(code=commune),
        is_fablab=True,
    )
    user.organisation = org
    user.save(update_fields=["organisation"])
    return org


def eligible_budget(
    subsidy: Decimal = Decimal("70000.00"), total: Decimal = Decimal("100000.00")
) -> Budget:
    equipment = total - Decimal("20000.00")
    other = total - subsidy
    return Budget(
        expenses=(
            ExpenseLine("Découpeuse laser", "equipment", equipment),
            ExpenseLine("Animation", "staff", Decimal("20000.00")),
        ),
        resources=(
            ResourceLine(
                "Subvention demandée",
                ResourceKind.REQUESTED_SUBSIDY,
                ResourceStatus.REQUESTED,
                subsidy,
            ),
            ResourceLine("Région", ResourceKind.PUBLIC, ResourceStatus.ACQUIRED, other),
        ),
    )


def moment_in_call(call: Call) -> dt.datetime:
    return call.opens_at + dt.timedelta(days=10)


def eligible_draft(call: Call, user: User, *, with_documents: bool = True) -> Application:
    """A complete draft that passes every rule of the 2013 call (before its deadline)."""
    with clock.override(moment_in_call(call)):
        application = services.create_application(
            acting_user=user,
            call=call,
            organisation=user.organisation,
            title="Équiper le fablab",
            kind="improvement",
        )
        services.save_draft(
            acting_user=user,
            application=application,
            title="Équiper le fablab",
            summary="",
            kind="improvement",
            budget=eligible_budget(),
        )
        if with_documents:
            for doc in call.spec.documents:
                services.add_document(
                    acting_user=user,
                    application=application,
                    doc_type=doc.id,
                    upload=SimpleUploadedFile(f"{doc.id}.pdf", PDF + doc.id.encode()),
                )
    return Application.objects.get(pk=application.pk)
