"""The admin's view of an outbox (queued mails, webhook deliveries): what is still to be sent,
and what failed for good and waits for someone to press « Réessayer »."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class OutboxStateFilter(admin.SimpleListFilter):
    """Subclasses say which rows are dead letters and which are still pending."""

    title = _("état")
    parameter_name = "state"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, Any]]:  # labels are lazy translations
        return [("dead", _("En échec définitif")), ("pending", _("En attente"))]

    def dead(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        raise NotImplementedError

    def pending(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        raise NotImplementedError

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "dead":
            return self.dead(queryset)
        if self.value() == "pending":
            return self.pending(queryset)
        return queryset
