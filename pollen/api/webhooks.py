"""Webhooks: signed, retried with backoff, in order per application, each delivery logged.

The API subscribes to the domain's events (pollen/events.py, in ApiConfig.ready()): for each,
one Delivery row per interested endpoint is written in the publishing transaction, and a
`deliver_webhook` task is enqueued for each after the commit.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from pollen import clock, events, sql
from pollen.api.models import Delivery, DeliveryStatus, WebhookEndpoint
from pollen.audit.services import record_event

logger = logging.getLogger(__name__)

KINDS = ("submitted", "decided", "paid")
# The domain's events that are sent as webhooks, with their kind in the API.
EVENTS = {"application.submitted": "submitted", "grant.awarded": "decided", "payment.paid": "paid"}
SIGNATURE_HEADER = "X-Pollen-Signature"
BASE_DELAY_SECONDS = 30
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10
# A due delivery this late has lost its task (a crash between the commit and the enqueue).
SWEEP_GRACE = dt.timedelta(minutes=2)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def subscribe() -> None:
    for name in EVENTS:
        events.subscribe(name, on_event)


def on_event(event: events.Event) -> None:
    enqueue_event(EVENTS[event.name], event.obj, event.payload)


def enqueue_event(kind: str, application: Any, payload: dict[str, Any]) -> None:
    """One pending delivery per interested endpoint, saved in the caller's transaction.

    A single INSERT … SELECT over the active endpoints: the caller waits for nothing (inside
    sql.together() it travels with the change it announces), and no endpoint is missed between
    reading the list and writing its delivery.
    """
    if kind not in KINDS:
        raise ValueError(f"Événement inconnu : {kind}")
    now = clock.now()
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {
            "id": event_id,
            "event": kind,
            "occurred_at": now.isoformat(),
            "application": {"id": application.pk, "call": application.call.slug},
            "data": payload,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
    )
    delivery = Delivery(
        event_id=event_id,
        kind=kind,
        application_id=application.pk,
        body=body,
        next_attempt_at=now,
        created_at=now,
    )
    ids = sql.insert_for_each(delivery, "endpoint", WebhookEndpoint, _wants_sql(), [True, kind])
    events.enqueue_on_commit(deliver_webhook, lambda: ids)  # ids: read when the block ends


def _wants_sql() -> str:
    """WebhookEndpoint.wants in SQL: active, and listening to every kind or to this one."""
    if connection.vendor == "postgresql":
        return "t.is_active = %s AND (t.events = '[]'::jsonb OR t.events ? %s)"
    return (
        "t.is_active = %s AND (json_array_length(t.events) = 0 "
        "OR EXISTS (SELECT 1 FROM json_each(t.events) e WHERE e.value = %s))"
    )


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min… after the 1st, 2nd, 3rd… failure."""
    return dt.timedelta(seconds=BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0))


def _post(delivery: Delivery) -> tuple[int | None, str]:
    body = delivery.body.encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 - endpoint URLs are set by staff (URLField)
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Pollen-Webhooks/1",
            "X-Pollen-Event": delivery.kind,
            "X-Pollen-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: sign(delivery.endpoint.secret, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, str(exc)[:500]


def _attempt(delivery: Delivery) -> bool:
    code, error = _post(delivery)
    now = clock.now()
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = now, code, error
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
        logger.warning("webhook delivery %s given up after %s attempts", delivery.pk, MAX_ATTEMPTS)
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save()
    if delivery.status == DeliveryStatus.PENDING:  # immediate backend: sweep_outbox retries
        run_after = timezone.now() + backoff(delivery.attempts)
        events.retry_later(deliver_webhook, delivery.pk, run_after=run_after)
    return delivery.status == DeliveryStatus.DELIVERED


@task
def deliver_webhook(delivery_id: int) -> str:
    """Send this delivery if it is due and first in its stream (endpoint, application).

    The row is claimed under a lock (skip_locked) with a short lease, then posted outside any
    transaction: a task run twice, or while another runs, sends once. A delivery waiting behind
    an earlier one is enqueued again when that one is settled.
    """
    now = clock.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if delivery is None:
            return "skipped"
        if _earlier(delivery).exists():
            return "waiting"
        delivery.next_attempt_at = now + dt.timedelta(seconds=TIMEOUT_SECONDS * 2)
        delivery.save(update_fields=["next_attempt_at"])
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery.pk)
    ok = _attempt(delivery)
    if delivery.status != DeliveryStatus.PENDING:  # settled: the stream's next one may go
        following = _later(delivery).order_by("id").values_list("id", flat=True).first()
        if following is not None:
            deliver_webhook.enqueue(following)
    return "delivered" if ok else "failed"


def _stream(delivery: Delivery) -> QuerySet[Delivery]:
    return Delivery.objects.filter(
        endpoint_id=delivery.endpoint_id,
        application_id=delivery.application_id,
        status=DeliveryStatus.PENDING,
    )


def _earlier(delivery: Delivery) -> QuerySet[Delivery]:
    return _stream(delivery).filter(id__lt=delivery.pk)


def _later(delivery: Delivery) -> QuerySet[Delivery]:
    return _stream(delivery).filter(id__gt=delivery.pk)


def sweep(limit: int = 1000) -> int:
    """Enqueue again the deliveries due for a while, whose task was lost; returns how many."""
    due = Delivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now() - SWEEP_GRACE
    )
    ids = list(due.order_by("id").values_list("id", flat=True)[:limit])
    for pk in ids:
        deliver_webhook.enqueue(pk)
    return len(ids)


def dead_letters() -> QuerySet[Delivery]:
    """The deliveries given up after MAX_ATTEMPTS failures."""
    return Delivery.objects.filter(status=DeliveryStatus.FAILED)


def retry(*, acting_user: Any, deliveries: QuerySet[Delivery]) -> list[Delivery]:
    """A new pending copy of each delivery (see replay), enqueued; one audit event each."""
    with transaction.atomic():
        copies = []
        for original in deliveries.select_related("endpoint"):
            copy = replay(original)
            record_event(
                actor=acting_user,
                action="webhook.retried",
                obj=original,
                after={"copy": copy.pk},
            )
            copies.append(copy)
    return copies


def deliver_pending(limit: int = 500) -> dict[str, int]:
    """Send what is due; a stream (endpoint, application) waits while an earlier event is unsent."""
    sent = failed = 0
    blocked: set[tuple[int, int]] = set()
    pending = Delivery.objects.filter(status=DeliveryStatus.PENDING).select_related("endpoint")
    for delivery in pending.order_by("id")[:limit]:
        stream = (delivery.endpoint_id, delivery.application_id)
        if stream in blocked:
            continue
        if delivery.next_attempt_at > clock.now():
            blocked.add(stream)
            continue
        # A short lease claims the delivery, so the HTTP call runs outside any transaction.
        claimed = Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at__lte=clock.now()
        ).update(next_attempt_at=clock.now() + dt.timedelta(seconds=TIMEOUT_SECONDS * 2))
        if not claimed:
            blocked.add(stream)
            continue
        ok = _attempt(delivery)
        if ok:
            sent += 1
        else:
            failed += 1
            blocked.add(stream)
    return {"sent": sent, "failed": failed}


def replay(delivery: Delivery) -> Delivery:
    """A new pending copy of a delivery, same body and event id (receivers deduplicate on it)."""
    now = clock.now()
    copy = Delivery.objects.create(
        endpoint=delivery.endpoint,
        event_id=delivery.event_id,
        kind=delivery.kind,
        application_id=delivery.application_id,
        body=delivery.body,
        next_attempt_at=now,
        created_at=now,
    )
    events.enqueue_on_commit(deliver_webhook, lambda: [copy.pk])
    return copy
