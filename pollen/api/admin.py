from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pollen.api import webhooks
from pollen.api.models import Delivery, DeliveryStatus
from pollen.audit.admin import AuditedAdmin
from pollen.outbox_admin import OutboxStateFilter


class DeadLetterFilter(OutboxStateFilter):
    def dead(self, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        return queryset.filter(pk__in=webhooks.dead_letters())

    def pending(self, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        return queryset.filter(status=DeliveryStatus.PENDING)


@admin.register(Delivery)
class DeliveryAdmin(AuditedAdmin):
    """Webhook deliveries: read-only, except the « Réessayer » action (a new, audited copy)."""

    list_display = ("created_at", "kind", "application_id", "endpoint", "status", "attempts")
    list_filter = (DeadLetterFilter, "status", "kind")
    list_select_related = ("endpoint",)
    search_fields = ("event_id",)
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # written by the events they announce

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False  # the log of what was sent is kept

    @admin.action(description=_("Réessayer"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        copies = webhooks.retry(acting_user=request.user, deliveries=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d livraison remise en file d'envoi.",
                "%(count)d livraisons remises en file d'envoi.",
                len(copies),
            )
            % {"count": len(copies)},
            messages.SUCCESS,
        )
