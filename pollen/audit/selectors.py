"""Reading the audit trail."""

from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet

from pollen.audit.chain import CHAINED_FIELDS, link
from pollen.audit.models import AuditEvent


def events_for(obj: models.Model) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")


@dataclass(frozen=True)
class ChainCheck:
    """What recomputing the chain found; `broken_at` is the id of the first link that fails."""

    sealed: int
    unsealed: int
    broken_at: int | None = None
    # "altered": the event, or the one sealed before it, was changed or removed;
    # "skipped": the event has no chain though later ones have.
    reason: str = ""
    # The last event's chain: kept elsewhere, it reveals events cut from the end of the trail.
    head: str | None = None


def chain_check(*, batch: int = 2000) -> ChainCheck:
    """Recompute every sealed event's link from its fields and the chain before it."""
    sealed = unsealed = 0
    previous: str | None = None
    skipped: int | None = None
    rows = AuditEvent.objects.order_by("id").values_list(*CHAINED_FIELDS, "chain")
    for *fields, chain in rows.iterator(chunk_size=batch):
        if chain is None:
            unsealed += 1
            if skipped is None:
                skipped = fields[0]
            continue
        if skipped is not None:
            return ChainCheck(sealed, unsealed, skipped, "skipped", previous)
        if link(previous, tuple(fields)) != chain:
            return ChainCheck(sealed, unsealed, fields[0], "altered", previous)
        previous = chain
        sealed += 1
    return ChainCheck(sealed, unsealed, head=previous)
