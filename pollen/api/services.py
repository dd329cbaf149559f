"""Writes the staff API may make, each through the service that owns the change."""

from decimal import Decimal

from django.db import transaction

from pollen.accounts.models import User
from pollen.applications import services as application_services
from pollen.applications.models import Application, Status
from pollen.applications.selectors import can_instruct
from pollen.audit.models import AuditEvent
from pollen.audit.services import record_event
from pollen.domain.apply.money import AmountError, parse_eur
from pollen.grants import services as grant_services
from pollen.permissions import require


class ApiRefused(Exception):
    """A refused change; the message is French."""


class ApiInvalid(ApiRefused):
    """A value that cannot be read (an amount): the request is wrong, not the change (400)."""


@transaction.atomic
def add_note(*, acting_user: User, application: Application, note: str) -> AuditEvent:
    require(can_instruct(acting_user, application))
    if not note.strip():
        raise ApiRefused("La note est vide.")
    return record_event(
        actor=acting_user, action="application.note", obj=application, note=note.strip()[:5000]
    )


def change_status(
    *, acting_user: User, application: Application, status: str, message: str, amount: str
) -> Application:
    """Only the transitions an existing service makes: reopen for corrections, or select with an award."""
    try:
        if status == Status.CORRECTIONS:
            if not message.strip():
                raise ApiRefused("Indiquez au porteur ce qu'il doit corriger (« message »).")
            return application_services.reopen_application(
                acting_user=acting_user, application=application, message=message
            )
        if status == Status.SELECTED:
            try:
                value: Decimal = parse_eur(amount)
            except AmountError as exc:
                raise ApiInvalid(f"« amount_eur » : {exc}") from None
            grant = grant_services.award_grant(
                acting_user=acting_user, application=application, amount=value
            )
            return grant.application
    except (application_services.ApplicationError, grant_services.GrantError) as exc:
        raise ApiRefused(str(exc)) from None
    raise ApiRefused(
        "Statut non pris en charge par l'API : seuls « corrections » et « selected » le sont."
    )
