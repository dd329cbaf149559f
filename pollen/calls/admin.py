from django.contrib import admin

from pollen.audit.admin import AuditedAdmin
from pollen.calls.models import Call, CallVersion, Programme


@admin.register(Programme)
class ProgrammeAdmin(AuditedAdmin):
    list_display = ["name", "slug", "envelope"]


@admin.register(Call)
class CallAdmin(AuditedAdmin):
    list_display = ["slug", "version", "title", "opens_at", "closes_at", "is_published"]
    readonly_fields = ["source_text", "source_sha256", "loaded_at"]


@admin.register(CallVersion)
class CallVersionAdmin(AuditedAdmin):
    list_display = ["call", "version", "source_sha256", "loaded_at"]
