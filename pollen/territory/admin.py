from django.contrib import admin

from pollen.audit.admin import AuditedAdmin
from pollen.territory.models import Commune, Departement, Region


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(AuditedAdmin):
    list_display = ["code", "name", "region"]


@admin.register(Commune)
class CommuneAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "departement", "population"]
    list_filter = ["kind", "zone"]
    search_fields = ["code", "name", "postal_codes"]
    raw_id_fields = ["parent"]
