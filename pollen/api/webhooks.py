"""Webhooks: signed, retried with backoff, in order per application, each delivery logged."""

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from pollen import clock, sql
from pollen.api.models import Delivery, DeliveryStatus, WebhookEndpoint

KINDS = ("submitted", "decided", "paid")
SIGNATURE_HEADER = "X-Pollen-Signature"
BASE_DELAY_SECONDS = 30
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


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
    sql.insert_for_each(delivery, "endpoint", WebhookEndpoint, _wants_sql(), [True, kind])


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
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    delivery.save()
    return delivery.status == DeliveryStatus.DELIVERED


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
    return Delivery.objects.create(
        endpoint=delivery.endpoint,
        event_id=delivery.event_id,
        kind=delivery.kind,
        application_id=delivery.application_id,
        body=delivery.body,
        next_attempt_at=now,
        created_at=now,
    )
