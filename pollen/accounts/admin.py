from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollen.accounts.models import Invitation, Organisation, User
from pollen.accounts.reauth import confirm_url, recently_confirmed
from pollen.audit.admin import REDACTED, AuditedAdmin
from pollen.audit.services import record_event


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin[User]):
    ordering = ["email"]
    list_display = ["email", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profil"),
            {"fields": ("full_name", "role", "organisation", "programmes", "language")},
        ),
        (_("Droits"), {"fields": ("is_active", "is_staff", "is_superuser", "email_confirmed_at")}),
        (_("Second facteur"), {"fields": ("second_factor",)}),
    )
    readonly_fields = ["second_factor", "email_confirmed_at"]
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "programmes", "password1", "password2"),
            },
        ),
    )

    @admin.display(description=_("second facteur"))
    def second_factor(self, obj: User) -> str:
        if obj.pk is None:
            return ""
        enrolled = TOTPDevice.objects.filter(user=obj, confirmed=True).exists()
        return format_html(
            '{} — <a href="{}">{}</a>',
            _("application enregistrée") if enrolled else _("aucune application"),
            reverse("accounts:second_factor_reset", args=[obj.pk]),
            _("Réinitialiser le second facteur"),
        )

    # Rights, roles and addresses change here: a recent confirmation of who asks first.
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not recently_confirmed(request):
            return redirect(confirm_url(request.get_full_path()))
        return super().add_view(request, form_url, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if not recently_confirmed(request):
            return redirect(confirm_url(request.get_full_path()))
        return super().change_view(request, object_id, form_url, extra_context)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        if not recently_confirmed(request):
            return redirect(confirm_url(request.get_full_path()))
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


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    """Read only: a manager invites from the programme's page (invitations.py), audited there."""

    list_display = ["email", "role", "programme", "invited_by", "created_at", "accepted_at"]
    list_filter = ["role", "programme"]
    search_fields = ["email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Second factors change through Pollen's pages and services only (enrolment, reset by an
# administrator, both audited): django-otp's admin would show keys and edit them unaudited.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


def _audited(model: type[models.Model]) -> None:
    """django-axes' pages, audited: deleting a failed attempt unlocks an account or an address."""
    model_admin = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    admin.site.register(
        model, type(f"Audited{model_admin.__name__}", (AuditedAdmin, model_admin), {})
    )


for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    _audited(_model)
