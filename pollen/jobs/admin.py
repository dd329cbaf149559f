from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pollen.audit.admin import AuditedAdmin
from pollen.jobs import services
from pollen.jobs.models import Job
from pollen.outbox_admin import OutboxStateFilter


class DeadLetterFilter(OutboxStateFilter):
    def dead(self, queryset: QuerySet[Job]) -> QuerySet[Job]:
        return queryset.filter(pk__in=services.dead_letters())

    def pending(self, queryset: QuerySet[Job]) -> QuerySet[Job]:
        return queryset.filter(pk__in=services.pending())


@admin.register(Job)
class JobAdmin(AuditedAdmin):
    """Jobs: read-only, except « Relancer » for those that failed for good (audited)."""

    list_display = ("created_at", "kind", "owner", "status", "attempts", "progress_label", "error")
    list_filter = (DeadLetterFilter, "status", "kind")
    list_select_related = ("owner",)
    search_fields = ("=id", "kind", "request_id")
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # started by the pages that ask for the work

    @admin.action(description=_("Relancer"), permissions=["change"])
    def replay(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        count = services.replay(acting_user=request.user, jobs=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d travail remis en file.",
                "%(count)d travaux remis en file.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
