"""Reading the audit trail."""

from django.db import models
from django.db.models import QuerySet

from pollen.audit.models import AuditEvent


def events_for(obj: models.Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
