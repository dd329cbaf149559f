from django.contrib import admin
from django.http import HttpRequest

from pollen.audit.admin import AuditedAdmin
from pollen.mailing.models import OutgoingMail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(AuditedAdmin):
    list_display = ("created_at", "recipient", "subject", "sent_at", "attempts", "last_error")
    list_filter = ("sent_at",)
    search_fields = ("recipient", "subject")
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Mails are written by queue_mail() with the change they announce; a form with every
        # field read-only could only post an empty row (a server error).
        return False
