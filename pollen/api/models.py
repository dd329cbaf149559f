"""API tokens for staff, and webhook endpoints with their logged, replayable deliveries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    """Only the token's SHA-256 is stored; the token itself is shown once, at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("nom"), max_length=100)
    prefix = models.CharField(max_length=8)
    key_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookEndpoint(models.Model):
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128)
    # Kinds of events sent here ("submitted", "decided", "paid"); empty means all of them.
    events = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return self.is_active and (not self.events or kind in self.events)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    DELIVERED = "delivered", _("Livrée")
    FAILED = "failed", _("Abandonnée")


class Delivery(models.Model):
    """One event for one endpoint; the body is frozen at enqueue time so a replay is identical."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=40, db_index=True)
    kind = models.CharField(max_length=20)
    application_id = models.BigIntegerField(db_index=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.application_id} → {self.endpoint}"
