"""Writing audit events; every service that changes state calls record_event once.

Events are recorded without their chain, so that the deadline's hundreds of submissions per
second never wait for each other; seal_events() chains them afterwards, in id order
(docs/decisions/0004-audit-chain.md).
"""

import time
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Max

from pollen import clock, sql
from pollen.audit.chain import CHAINED_FIELDS, link
from pollen.audit.models import AuditEvent, AuditTimestamp
from pollen.audit.timestamping import reply_time, request_token

SEAL_BATCH = 1000
# A constant of our own for pg_advisory_lock: one sealer at a time across every process.
SEAL_LOCK = 0x706F6C6C656E  # "pollen"

# The transactions, other than ours, holding the lock every INSERT into the table takes: any
# event whose id is handed out but not yet committed belongs to one of them.
_WRITERS = """
    SELECT DISTINCT virtualtransaction FROM pg_locks
    WHERE locktype = 'relation' AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND relation = %s::regclass
"""


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
    sql.insert(event)  # written with every change, inside the submission's pipeline too
    return event


def seal_events(*, batch: int = SEAL_BATCH, wait: float = 10.0) -> int:
    """Give every settled event its chain, in id order, and return how many were sealed.

    Cheap when nothing is new, so a periodic task may call it every minute. One transaction
    under one lock: a second sealer waits, then finds nothing left; an interrupted one leaves
    nothing half-done.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":  # SQLite's IMMEDIATE transaction is a lock already
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK])
        horizon = _settled_horizon(wait)
        last = (
            AuditEvent.objects.filter(chain__isnull=False)
            .order_by("-id")
            .values_list("id", "chain")
            .first()
        )
        after_id, previous = last or (0, None)
        sealed = 0
        while rows := _unsealed(after_id, horizon, batch):
            previous = _seal(rows, previous)
            after_id = rows[-1][0]
            sealed += len(rows)
        return sealed


def _unsealed(after_id: int, horizon: int | None, batch: int) -> list[tuple[Any, ...]]:
    events = AuditEvent.objects.filter(id__gt=after_id).order_by("id")
    if horizon is not None:
        events = events.filter(id__lte=horizon)
    return list(events.values_list(*CHAINED_FIELDS)[:batch])


def _seal(rows: list[tuple[Any, ...]], previous: str | None) -> str | None:
    sealed = []
    for row in rows:
        previous = link(previous, row)
        sealed.append((row[0], previous))
    AuditEvent.objects.bulk_update(
        [AuditEvent(id=pk, chain=chain) for pk, chain in sealed], ["chain"], batch_size=500
    )
    return previous


def _settled_horizon(wait: float) -> int | None:
    """The id up to which no event can still appear (None: every committed event is settled).

    PostgreSQL hands out an id at INSERT and shows the row at COMMIT, so event 7 may appear
    after event 8 was committed; chaining 8 before 7 is there would break the order. So: read
    the highest id, then wait for the transactions writing to the table at that moment to end.
    They are watched, never blocked. If one lasts longer than `wait` seconds, nothing is sealed
    this time. SQLite has a single writer, and the sealer's (IMMEDIATE) transaction is it.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        horizon = AuditEvent.objects.aggregate(top=Max("id"))["top"]
        writing = _WRITERS
        params: list[Any] = [AuditEvent._meta.db_table]
        deadline = time.monotonic() + wait
        while True:
            cursor.execute(writing, params)
            writers = [row[0] for row in cursor.fetchall()]
            if not writers:
                return horizon or 0
            if time.monotonic() > deadline:
                return 0
            time.sleep(0.005)
            writing = _WRITERS + " AND virtualtransaction = ANY(%s)"
            params = [AuditEvent._meta.db_table, writers]


def timestamp_head(*, tsa_url: str) -> AuditTimestamp | None:
    """Seal what is new, then have the TSA time-stamp the chain's head (once per head).

    Returns the token's row (the existing one when the head was already stamped), or None when
    no event is sealed yet. TimestampError when the TSA is unreachable or refuses: nothing is
    stored then, and the next run tries again.
    """
    seal_events()
    head = (
        AuditEvent.objects.filter(chain__isnull=False).order_by("-id").values_list("id", "chain")
    ).first()
    if head is None:
        return None
    event_id, chain = head
    assert chain is not None  # filtered on chain__isnull=False
    existing = AuditTimestamp.objects.filter(event_id=event_id).first()
    if existing is not None:
        return existing
    token = request_token(chain, tsa_url)  # outside any transaction: a network call
    with transaction.atomic():
        stamp = AuditTimestamp.objects.create(
            event_id=event_id,
            chain=chain,
            tsa_url=tsa_url,
            token=token,
            stamped_at=reply_time(token),
            requested_at=clock.now(),
        )
        record_event(
            actor=None,
            action="audit.timestamped",
            obj=stamp,
            after={"event": event_id, "chain": chain, "stamped_at": stamp.stamped_at.isoformat()},
        )
    return stamp
