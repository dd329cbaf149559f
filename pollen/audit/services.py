"""Writing audit events; every service that changes state calls record_event once."""

from typing import Any

from django.db import models

from pollen import clock, sql
from pollen.audit.models import AuditEvent


def record_event(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEvent:
    event = AuditEvent(
        occurred_at=clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        before=before,
        after=after,
        note=note,
    )
    sql.insert(event)  # written with every change: a plain INSERT, not the ORM's save()
    return event
