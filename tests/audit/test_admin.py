"""Every change made in the admin is an audit event; the audit events there are read-only."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory
from django.utils import timezone
from dsfr.models import DsfrConfig, DsfrSocialMedia

from pollen.accounts.models import Role, User
from pollen.audit.admin import AuditedAdmin
from pollen.audit.models import AuditEvent
from pollen.audit.services import record_event
from pollen.calls.models import Programme
from pollen.territory.models import Region


@pytest.fixture
def admin_client(client, personas):
    client.force_login(personas["admin"])
    return client


def last_event(obj) -> AuditEvent:
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).latest("id")


def user_form(user, **changes):
    """The admin's change form for a user as the page would post it (checkboxes when ticked)."""
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "language": user.language,
        "organisation": "",
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    } | changes
    return {k: ("on" if v is True else v) for k, v in data.items() if v is not False}


def test_it_records_who_made_a_user_superuser_and_changed_their_role(admin_client, personas):
    applicant = personas["applicant"]

    response = admin_client.post(
        f"/admin/accounts/user/{applicant.pk}/change/",
        user_form(applicant, role=Role.MANAGER, is_staff=True, is_superuser=True),
    )

    assert response.status_code == 302
    event = last_event(applicant)
    assert (event.action, event.actor) == ("admin.changed", personas["admin"])
    assert event.before == {"role": "applicant", "is_staff": False, "is_superuser": False}
    assert event.after == {"role": "manager", "is_staff": True, "is_superuser": True}


def test_it_records_a_call_envelope_raised_from_2_to_99_million(admin_client, personas, call_2013):
    call = call_2013
    opens, closes = timezone.localtime(call.opens_at), timezone.localtime(call.closes_at)

    response = admin_client.post(
        f"/admin/calls/call/{call.pk}/change/",
        {
            "programme": call.programme_id,
            "slug": call.slug,
            "version": call.version,
            "title": call.title,
            "funder": call.funder,
            "opens_at_0": opens.date().isoformat(),
            "opens_at_1": opens.strftime("%H:%M:%S"),  # as the page shows them
            "closes_at_0": closes.date().isoformat(),
            "closes_at_1": closes.strftime("%H:%M:%S"),
            "selection_on": call.selection_on.isoformat() if call.selection_on else "",
            "target_awards": call.target_awards,
            "envelope": "99000000",
            "source_path": call.source_path,
            "is_published": "on" if call.is_published else "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    event = last_event(call)
    assert (event.action, event.actor) == ("admin.changed", personas["admin"])
    assert (event.before["envelope"], event.after["envelope"]) == ("2000000.00", "99000000.00")
    # Recorded too, though no one typed it: the page drops the deadline's last 0.999999 s.
    assert (event.before["closes_at"], event.after["closes_at"]) == (
        "2013-09-13T21:59:59.999999+00:00",
        "2013-09-13T21:59:59+00:00",
    )


def test_it_records_a_programme_envelope_raised(admin_client, personas, call_2013):
    programme = call_2013.programme

    response = admin_client.post(
        f"/admin/calls/programme/{programme.pk}/change/",
        {
            "slug": programme.slug,
            "name": programme.name,
            "envelope": "99000000",
            "description": programme.description,
        },
    )

    assert response.status_code == 302
    assert Programme.objects.get(pk=programme.pk).envelope == Decimal("99000000")
    event = last_event(programme)
    assert (event.action, event.actor) == ("admin.changed", personas["admin"])
    assert (event.before, event.after) == (
        {"envelope": "40000000.00"},
        {"envelope": "99000000.00"},
    )


def test_a_page_saved_without_a_change_records_nothing(admin_client, personas):
    applicant = personas["applicant"]
    events = AuditEvent.objects.count()

    admin_client.post(f"/admin/accounts/user/{applicant.pk}/change/", user_form(applicant))

    assert AuditEvent.objects.count() == events


def test_it_records_a_new_user_without_their_password(admin_client, personas, call_2013):
    programme = call_2013.programme
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "nouvelle@test.example",
            "role": Role.INSTRUCTOR,
            "programmes": [programme.pk],
            "password1": "un mot de passe assez long",
            "password2": "un mot de passe assez long",
            "usable_password": "true",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="nouvelle@test.example")
    assert list(user.programmes.all()) == [programme]
    event = last_event(user)
    assert (event.action, event.before) == ("admin.added", None)
    assert event.after["email"] == "nouvelle@test.example" and event.after["role"] == "instructor"
    assert event.after["programmes"] in ([programme.pk], [str(programme)])  # who may see what
    assert not any("mot de passe" in str(value) for value in event.after.values())


def test_it_records_a_password_set_in_the_admin_without_it(admin_client, personas):
    applicant = personas["applicant"]

    response = admin_client.post(
        f"/admin/accounts/user/{applicant.pk}/password/",
        {
            "password1": "un autre mot de passe long",
            "password2": "un autre mot de passe long",
            "set_usable_password": "true",
        },
    )

    assert response.status_code == 302
    event = last_event(applicant)
    assert (event.action, event.after) == (
        "admin.changed",
        {"password": "<redacted>", "usable": True},
    )
    assert "un autre" not in str(event.after)


def test_it_records_a_deletion_with_what_was_deleted(admin_client, personas):
    corse = Region.objects.create(code="94", name="Corse")

    response = admin_client.post(f"/admin/territory/region/{corse.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    event = last_event(corse)
    assert (event.action, event.actor) == ("admin.deleted", personas["admin"])
    assert event.before == {"code": "94", "name": "Corse"}


def test_it_records_each_object_of_a_bulk_deletion(admin_client, personas):
    regions = [Region.objects.create(code=c, name=f"Région {c}") for c in ("01", "02")]

    response = admin_client.post(
        "/admin/territory/region/",
        {"action": "delete_selected", "_selected_action": ["01", "02"], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Region.objects.filter(code__in=["01", "02"]).exists()
    assert [last_event(r).action for r in regions] == ["admin.deleted", "admin.deleted"]


def test_someone_who_acted_cannot_be_deleted_their_events_stay(admin_client, personas):
    manager = personas["manager"]
    record_event(actor=manager, action="test.acted", obj=personas["applicant"])

    response = admin_client.post(f"/admin/accounts/user/{manager.pk}/delete/", {"post": "yes"})

    assert response.status_code == 200  # the page listing what protects them
    assert User.objects.filter(pk=manager.pk).exists()
    assert AuditEvent.objects.get(action="test.acted").actor == manager


@pytest.fixture
def event(personas):
    return record_event(actor=personas["manager"], action="test.seen", obj=personas["applicant"])


def test_no_one_can_add_an_audit_event_in_the_admin(admin_client):
    assert admin_client.get("/admin/audit/auditevent/add/").status_code == 403
    assert admin_client.post("/admin/audit/auditevent/add/", {"action": "x"}).status_code == 403


def test_an_audit_event_is_shown_without_a_save_button_and_cannot_be_changed(admin_client, event):
    page = admin_client.get(f"/admin/audit/auditevent/{event.pk}/change/")

    assert page.status_code == 200
    assert "test.seen" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    response = admin_client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"note": "x"})
    assert response.status_code == 403
    assert admin_client.post(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).note == ""


def test_every_model_in_the_admin_is_audited_or_read_only(personas):
    """Project rule: a model registered in the admin without AuditedAdmin must not be writable."""
    request = RequestFactory().get("/admin/")
    request.user = personas["admin"]
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdmin)
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
    ]
    assert unaudited == []


def as_posted(form) -> dict:
    """A form's current values as the page would post them (unticked checkboxes left out)."""
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, FieldFile):
            continue  # no file is sent again
        if value is True:
            data[bound.html_name] = "on"
        elif value is not False and value is not None:  # 0 is a value
            data[bound.html_name] = value
    return data


def test_it_records_inline_rows_added_changed_and_deleted(admin_client, personas):
    config = DsfrConfig.objects.create(site_title="Pollen")
    url = f"/admin/dsfr/dsfrconfig/{config.pk}/change/"

    def post_with_rows(*rows):
        page = admin_client.get(url)
        (inline,) = page.context["inline_admin_formsets"]
        prefix = inline.formset.prefix
        data = as_posted(page.context["adminform"].form) | {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": inline.formset.initial_form_count(),
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
        for n, row in enumerate(rows):
            data |= {f"{prefix}-{n}-{k}": v for k, v in row.items()}
        response = admin_client.post(url, data)
        assert response.status_code == 302, (
            response.context["adminform"].form.errors,
            [f.formset.errors for f in response.context["inline_admin_formsets"]],
        )

    post_with_rows({"title": "Mastodon", "url": "https://example.org/@pollen", "icon_class": ""})
    media = DsfrSocialMedia.objects.get(site_config=config)
    assert (last_event(media).action, last_event(media).after["title"]) == (
        "admin.added",
        "Mastodon",
    )

    base = {"id": media.pk, "site_config": config.pk, "url": media.url, "icon_class": ""}
    post_with_rows(base | {"title": "Fediverse"})
    assert (last_event(media).before, last_event(media).after) == (
        {"title": "Mastodon"},
        {"title": "Fediverse"},
    )

    post_with_rows(base | {"title": "Fediverse", "DELETE": "on"})
    assert not DsfrSocialMedia.objects.filter(pk=media.pk).exists()
    assert last_event(media).action == "admin.deleted"
    assert last_event(media).actor == personas["admin"]


def test_no_admin_page_to_add_answers_a_server_error(admin_client):
    admin_client.raise_request_exception = False
    for model in admin.site._registry:
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/"
        assert admin_client.get(url).status_code in {200, 403}, url
        assert admin_client.post(url, {}).status_code in {200, 302, 403}, url
