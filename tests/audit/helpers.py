"""Audit events to chain, and the one way a test may rewrite them (PostgreSQL refuses it)."""

from django.db import connection

from pollen.audit.models import AuditEvent
from pollen.audit.services import record_event


def recorded(actor, obj, count=3):
    return [
        record_event(actor=actor, action=f"test.step_{n}", obj=obj, after={"n": n, "note": "é"})
        for n in range(count)
    ]


def in_maintenance():
    """Let this transaction rewrite audit rows: what an attacker would need on PostgreSQL."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL pollen.audit_maintenance = 'on'")


def forged(event, **fields):
    in_maintenance()
    AuditEvent.objects.filter(pk=event.pk).update(**fields)
