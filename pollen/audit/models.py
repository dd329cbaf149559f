"""One audit event per change of state: who, when, what, before and after."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    occurred_at = models.DateTimeField(db_index=True)
    # PROTECT, not SET_NULL: clearing the actor would rewrite sealed events (the database
    # refuses it on PostgreSQL). Someone who acted is deactivated, never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    # The object the event is about, by label and id, so audit rows outlive the objects.
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.TextField(blank=True)
    # sha256(previous event's chain + this event's canonical form), set once by seal_events():
    # NULL until sealed, so recording an event never waits for the one before it.
    chain = models.CharField(max_length=64, null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.object_type}#{self.object_id}"


class AuditTimestamp(models.Model):
    """An RFC 3161 token on the chain's head: the trail up to `event_id` existed at `stamped_at`."""

    event_id = models.BigIntegerField(unique=True)  # the last sealed event (no FK: rows outlive)
    chain = models.CharField(max_length=64)  # that event's chain, the digest stamped
    tsa_url = models.URLField(max_length=300)
    token = models.BinaryField()  # the TSA's reply, DER, as received
    stamped_at = models.DateTimeField()  # the moment the TSA vouches for
    requested_at = models.DateTimeField()

    class Meta:
        ordering = ["-event_id"]

    def __str__(self) -> str:
        return f"#{self.event_id} {self.stamped_at:%Y-%m-%d %H:%M:%S}"
