from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pollen.audit.admin import AuditedAdmin
from pollen.mailing import services
from pollen.mailing.models import OutgoingMail
from pollen.outbox_admin import OutboxStateFilter


class DeadLetterFilter(OutboxStateFilter):
    def dead(self, queryset: QuerySet[OutgoingMail]) -> QuerySet[OutgoingMail]:
        return queryset.filter(pk__in=services.dead_letters())

    def pending(self, queryset: QuerySet[OutgoingMail]) -> QuerySet[OutgoingMail]:
        return queryset.filter(sent_at__isnull=True, attempts__lt=services.MAX_ATTEMPTS)


@admin.register(OutgoingMail)
class OutgoingMailAdmin(AuditedAdmin):
    list_display = ("created_at", "recipient", "subject", "sent_at", "attempts", "last_error")
    list_filter = (DeadLetterFilter, "sent_at")
    search_fields = ("recipient", "subject")
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]
    actions = ["retry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Mails are written by queue_mail() with the change they announce; a form with every
        # field read-only could only post an empty row (a server error).
        return False

    @admin.action(description=_("Réessayer"), permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[OutgoingMail]) -> None:
        count = services.retry(acting_user=request.user, mails=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d courriel remis en file d'envoi.",
                "%(count)d courriels remis en file d'envoi.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
