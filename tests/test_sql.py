"""pollen/sql.py reads and writes rows exactly as the ORM does, on SQLite and PostgreSQL alike."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import models

from pollen import clock, sql
from pollen.accounts.models import Organisation
from pollen.applications.models import Application
from pollen.audit.models import AuditEvent
from pollen.calls.models import Call
from pollen.territory.models import Commune
from tests.builders import eligible_draft, organisation_for


def typed_values(obj: models.Model) -> dict[str, tuple[type, object]]:
    """Every concrete field's value and its type: "12.50" is not Decimal("12.50")."""
    return {
        f.attname: (type(getattr(obj, f.attname)), getattr(obj, f.attname))
        for f in type(obj)._meta.concrete_fields
    }


@pytest.fixture
def draft(call_2013, personas):
    organisation_for(personas["applicant"])
    application = eligible_draft(call_2013, personas["applicant"])
    # Values of every kind the converters handle: decimals, JSON, a null boolean, datetimes.
    Application.objects.filter(pk=application.pk).update(
        requested_amount=Decimal("123456.78"), failed_rules=["subsidy_max"], eligible=None
    )
    Organisation.objects.filter(pk=application.organisation_id).update(
        machines=["laser_cutter", "3d_printer"]
    )
    return application


@pytest.mark.parametrize("model", [Application, Call, Organisation, Commune])
def test_it_reads_every_field_as_the_orm_does(draft, model):
    pk = {
        Application: draft.pk,
        Call: draft.call_id,
        Organisation: draft.organisation_id,
        Commune: "35238",
    }[model]
    (plain,) = sql.select(model, "t.%s = %%s" % model._meta.pk.column, [pk])  # noqa: UP031
    assert typed_values(plain) == typed_values(model.objects.get(pk=pk))
    assert plain._state.adding is False


def test_it_reads_several_instances_from_one_row(draft):
    row = [*_row(Application, draft.pk), *_row(Commune, "35238")]
    application, at = sql.instance(Application, row)
    commune, end = sql.instance(Commune, row, at)
    assert (application.pk, commune.pk, end) == (draft.pk, "35238", len(row))
    assert application.requested_amount == Decimal("123456.78")


def _row(model, pk):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.columns(model, 'x')} FROM {sql.table(model)} x "
            f"WHERE x.{model._meta.pk.column} = %s",
            [pk],
        )
        return cursor.fetchone()


def test_it_inserts_as_save_does_with_defaults_and_auto_now(personas):
    moment = dt.datetime(2013, 9, 13, 23, 59, 59, 999999, tzinfo=clock.PARIS)
    event = AuditEvent(
        occurred_at=moment,
        actor=personas["instructor"],
        action="application.reopened",
        object_type="applications.application",
        object_id="7",
        before={"status": "submitted", "montant": "12.50"},
        after={"status": "corrections"},
    )
    sql.insert(event)
    assert event.pk is not None and event._state.adding is False
    assert typed_values(AuditEvent.objects.get(pk=event.pk)) == typed_values(event)
    # auto_now_add and defaults are applied as save() applies them.
    organisation = Organisation(
        legal_name="Atelier", siret="73282932000074", legal_form="association"
    )
    sql.insert(organisation)
    stored = Organisation.objects.get(pk=organisation.pk)
    assert stored.created_at is not None and stored.created_at == organisation.created_at
    assert stored.is_fablab is True and stored.machines == []


def test_it_updates_only_the_fields_it_is_given(draft):
    application = Application.objects.get(pk=draft.pk)
    application.status, application.title = "submitted", "Titre jamais enregistré"
    application.failed_rules = []
    sql.update(application, ["status", "failed_rules"])
    stored = Application.objects.get(pk=draft.pk)
    assert (stored.status, stored.failed_rules) == ("submitted", [])
    assert stored.title == draft.title
