"""The admin's audit: every change made there is an event; the events themselves are read-only."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.backends.utils import format_number
from django.forms import ModelForm
from django.http import HttpRequest
from dsfr.models import DsfrConfig

from pollen.audit.models import AuditEvent
from pollen.audit.services import record_event

# Fields whose values never enter the trail, only the fact that they changed.
SECRET_WORDS = ("password", "token", "secret")
REDACTED = "<redacted>"


class AuditedAdmin(admin.ModelAdmin[Any]):
    """Use it (first) for every registered ModelAdmin: adding, changing or deleting an object in
    the admin records one event with the changed fields before and after, in the admin's own
    transaction. tests/audit/test_admin.py checks that no registered model escapes it."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        if change:
            stored = type(obj)._base_manager.get(pk=obj.pk)
            before, after = _changes(stored, obj, form)
        else:
            before, after = None, _state(obj, form)
        super().save_model(request, obj, form, change)
        if after:  # a page saved without a change changes nothing
            action = "admin.changed" if change else "admin.added"
            record_event(actor=request.user, action=action, obj=obj, before=before, after=after)

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Any], formset: Any, change: bool
    ) -> None:
        """Inline rows: each added, changed or deleted row is an event of its own."""
        deleted = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        changed = [
            (
                f.instance,
                *_changes(type(f.instance)._base_manager.get(pk=f.instance.pk), f.instance, f),
            )
            for f in formset.initial_forms
            if f.has_changed() and f.instance not in deleted
        ]
        for obj in deleted:
            _record_deletion(request, obj)
        super().save_formset(request, form, formset, change)
        for obj, before, after in changed:
            if after:
                record_event(
                    actor=request.user, action="admin.changed", obj=obj, before=before, after=after
                )
        for f in formset.extra_forms:
            if f.instance.pk is not None and f.instance in formset.new_objects:
                after = _state(f.instance, f)
                record_event(actor=request.user, action="admin.added", obj=f.instance, after=after)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        _record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        # The changelist's "delete selected" runs outside the admin's transactions.
        with transaction.atomic():
            for obj in queryset:
                _record_deletion(request, obj)
            super().delete_queryset(request, queryset)


def _record_deletion(request: HttpRequest, obj: models.Model) -> None:
    before = {f.name: _value(f, f.value_from_object(obj)) for f in obj._meta.concrete_fields}
    record_event(actor=request.user, action="admin.deleted", obj=obj, before=before)


def _changes(
    stored: models.Model, obj: models.Model, form: ModelForm[Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields the save will change, compared on the values, not on the form: a form may
    show a value differently from the one it writes (a datetime without its microseconds)."""
    before, after = {}, {}
    for field in obj._meta.concrete_fields:
        old, new = field.value_from_object(stored), field.value_from_object(obj)
        if old != new:
            before[field.name], after[field.name] = _value(field, old), _value(field, new)
    for field in obj._meta.many_to_many:  # saved after save_model, from the form
        if field.name in form.changed_data:
            before[field.name] = _value(field, form.initial.get(field.name))
            after[field.name] = _value(field, form.cleaned_data.get(field.name))
    return before, after


def _state(obj: models.Model, form: ModelForm[Any]) -> dict[str, Any]:
    """A new object's fields, as the form filled them."""
    fields = [f for f in obj._meta.get_fields() if f.name in form.cleaned_data]
    return {f.name: _value(f, form.cleaned_data[f.name]) for f in fields}


def _value(field: Any, value: Any) -> Any:
    """A value as JSON can hold it: objects by pk, decimals as the column writes them."""
    if any(word in field.name for word in SECRET_WORDS):
        return REDACTED
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, Decimal) and isinstance(field, models.DecimalField):
        return format_number(value, field.max_digits, field.decimal_places)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC)  # one way to write a moment, whatever the form's zone
    if isinstance(value, dt.date | dt.time):  # datetimes too
        return value.isoformat()
    if isinstance(value, list | tuple | set | models.QuerySet):
        return [_value(field, v) for v in value]
    if value is None or isinstance(value, str | int | float | bool | dict):
        return value
    return str(value)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    """Shown, never written: the trail is added to by the services and sealed by seal_audit."""

    list_display = ["occurred_at", "action", "object_type", "object_id", "actor"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_id", "note"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _audited(model: type[models.Model]) -> None:
    """Register again, audited, a model that a third-party app put in the admin: those apps
    come before ours in INSTALLED_APPS, so their admin modules have already run."""
    model_admin = type(admin.site.get_model_admin(model))
    admin.site.unregister(model)
    admin.site.register(
        model, type(f"Audited{model_admin.__name__}", (AuditedAdmin, model_admin), {})
    )


_audited(Group)  # permissions given through a group are a change of rights like any other
_audited(DsfrConfig)  # the site's header, footer and notices
