from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pollen.api import webhooks
from pollen.api.models import Delivery, DeliveryStatus
from pollen.audit.admin import AuditedAdmin


class DeadLetterFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "state"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin
    ) -> list[tuple[str, Any]]:  # labels are lazy translations
        return [("dead", _("En échec définitif")), ("pending", _("En attente"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> QuerySet:
        if self.value() == "dead":
            return queryset.filter(pk__in=webhooks.dead_letters())
        if self.value() == "pending":
            return queryset.filter(status=DeliveryStatus.PENDING)
        return queryset


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
