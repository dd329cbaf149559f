"""Reading the audit trail."""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import QuerySet

from pollen.audit.chain import CHAINED_FIELDS, link
from pollen.audit.models import AuditEvent, AuditTimestamp
from pollen.audit.timestamping import verify_token


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


@dataclass(frozen=True)
class StampCheck:
    event_id: int
    stamped_at: Any
    valid: bool
    detail: str = ""


def timestamp_checks(ca_file: str = "") -> list[StampCheck]:
    """Each stored token against the trail as it is now: the event it stamped still has the chain
    it had, and (with the TSA's CA certificate) the token is the TSA's signature on that chain."""
    chains = dict(
        AuditEvent.objects.filter(pk__in=AuditTimestamp.objects.values("event_id")).values_list(
            "id", "chain"
        )
    )
    checks = []
    for stamp in AuditTimestamp.objects.order_by("event_id"):
        if chains.get(stamp.event_id) != stamp.chain:
            checks.append(
                StampCheck(stamp.event_id, stamp.stamped_at, False, "chain changed or removed")
            )
            continue
        if ca_file:
            result = verify_token(bytes(stamp.token), stamp.chain, ca_file)
            checks.append(StampCheck(stamp.event_id, stamp.stamped_at, result.valid, result.detail))
        else:
            checks.append(StampCheck(stamp.event_id, stamp.stamped_at, True))
    return checks
