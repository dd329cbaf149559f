from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from pollen.accounts.models import Organisation, User
from pollen.audit.admin import REDACTED, AuditedAdmin
from pollen.audit.services import record_event


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profil"), {"fields": ("full_name", "role", "organisation")}),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),
    )

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Django's password page saves its form itself, not through save_model: its event is
        # recorded here, in one transaction with the new password.
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            response = super().user_change_password(request, id, form_url)
            now = self.get_object(request, unquote(id))
            if user is not None and now is not None and now.password != user.password:
                after: dict[str, Any] = {"password": REDACTED, "usable": now.has_usable_password()}
                record_event(actor=request.user, action="admin.changed", obj=now, after=after)
        return response


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["legal_name", "siret", "legal_form", "commune", "is_fablab"]
    search_fields = ["legal_name", "siret"]
    raw_id_fields = ["commune"]
