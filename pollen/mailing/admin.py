from django.contrib import admin

from pollen.mailing.models import OutgoingMail


@admin.register(OutgoingMail)
class OutgoingMailAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "subject", "sent_at", "attempts", "last_error")
    list_filter = ("sent_at",)
    search_fields = ("recipient", "subject")
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]
