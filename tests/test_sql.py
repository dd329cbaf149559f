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
    plain, _ = sql.instance(model, _row(model, pk))
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


def test_together_sets_the_pk_of_inserted_rows_by_the_end_of_the_block(personas):
    from django.db import transaction

    event = AuditEvent(
        occurred_at=clock.now(), action="application.created", object_type="x", object_id="1"
    )
    with transaction.atomic(), sql.together():
        sql.insert(event)
    assert event.pk is not None and event._state.adding is False
    assert AuditEvent.objects.get(pk=event.pk).action == "application.created"


def test_together_raises_djangos_own_errors_and_keeps_nothing(personas):
    from django.db import IntegrityError, transaction

    before = AuditEvent.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic(), sql.together():
        sql.insert(
            AuditEvent(occurred_at=clock.now(), action="kept?", object_type="x", object_id="1")
        )
        # The same commune twice: the primary key refuses it (on PostgreSQL, at the end).
        for _ in range(2):
            sql.insert(Commune(code="99999", name="Doublon", search_name="doublon"))
    assert AuditEvent.objects.count() == before


@pytest.mark.postgres
def test_together_sends_the_reads_of_a_block_in_one_round_trip(draft, settings):
    from django.db import connection, transaction

    from tests.roundtrips import counting_round_trips

    if connection.vendor != "postgresql":
        pytest.skip("pipelines are PostgreSQL's")
    statements = [f"SELECT {n}, count(*) FROM applications_application" for n in range(4)]
    with transaction.atomic():
        Commune.objects.filter(code="35238").exists()  # the transaction is open (BEGIN)
        with counting_round_trips() as apart, connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                cursor.fetchone()
        with counting_round_trips() as together, sql.together():
            cursors = [connection.cursor() for _ in statements]
            for cursor, statement in zip(cursors, statements, strict=True):
                cursor.execute(statement)
            rows = [cursor.fetchone() for cursor in cursors]
    assert apart == [4]
    assert rows == [(n, Application.objects.count()) for n in range(4)]
    assert together == [2]  # the four SELECTs, then the Sync that ends the pipeline
    settings.DB_PIPELINE = False  # POLLEN_DB_PIPELINE=0: one statement at a time again
    with transaction.atomic(), counting_round_trips() as switched_off, sql.together():
        cursors = [connection.cursor() for _ in statements]
        for cursor, statement in zip(cursors, statements, strict=True):
            cursor.execute(statement)
    assert switched_off == [4]  # each SELECT on its own
