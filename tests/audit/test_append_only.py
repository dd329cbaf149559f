"""On PostgreSQL the audit table takes new events and their seal, and refuses everything else."""

import os
import threading

import pytest
from django.db import DatabaseError, connection, transaction

from pollen.audit.models import AuditEvent
from pollen.audit.selectors import chain_check
from pollen.audit.services import record_event, seal_events
from tests.audit.helpers import recorded

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the guard is a PostgreSQL trigger (a no-op on SQLite)")


@pytest.fixture
def events(personas):
    return recorded(personas["manager"], personas["applicant"], count=3)


def rows():
    return list(AuditEvent.objects.order_by("id").values())


def refused(*statements, params=None):
    """Run these statements in a savepoint; return the database's refusal of the last one."""
    with (
        pytest.raises(DatabaseError) as refusal,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        for statement in statements[:-1]:
            cursor.execute(statement)
        cursor.execute(statements[-1], params)
    return str(refusal.value)


def test_it_refuses_to_update_an_event(events):
    before = rows()

    message = refused(
        "UPDATE audit_auditevent SET note = 'rien' WHERE id = %s", params=[events[1].pk]
    )

    assert "Pollen's audit trail is append-only: UPDATE on audit_auditevent refused" in message
    assert rows() == before


def test_it_refuses_to_delete_an_event(events):
    before = rows()

    with pytest.raises(DatabaseError, match="append-only: DELETE"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).delete()

    assert rows() == before


# Committed rows (in the test's own transaction, pending foreign-key checks would refuse the
# TRUNCATE first); the flush after the test then shows that maintenance still can.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "statement", ["TRUNCATE audit_auditevent", "TRUNCATE accounts_user CASCADE"]
)
def test_it_refuses_to_truncate_the_table_even_by_cascade(events, statement):
    before = rows()

    assert "append-only: TRUNCATE" in refused(statement)

    assert rows() == before


def test_it_lets_the_seal_through_once_and_nothing_with_it(events):
    forged = "UPDATE audit_auditevent SET chain = %s, note = 'rien' WHERE id = %s"
    assert "append-only" in refused(forged, params=["a" * 64, events[0].pk])

    assert seal_events() == 3

    resealed = "UPDATE audit_auditevent SET chain = %s WHERE id = %s"
    assert "append-only" in refused(resealed, params=["a" * 64, events[0].pk])
    assert chain_check().broken_at is None


def test_the_application_role_of_the_two_role_setup_cannot_even_in_maintenance(events):
    """The grants of docs/deployment.md: the maintenance switch is the owner's alone."""
    role = f"pollen_app_test_{os.getpid()}"  # roles are cluster-wide; dropped with the rollback
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        for grant in (  # as the guide has them, in this order
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}",
            "REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditevent FROM {}",
            "GRANT UPDATE (chain) ON audit_auditevent TO {}",
        ):
            cursor.execute(grant.format(role))
    as_application = [f"SET LOCAL ROLE {role}", "SET LOCAL pollen.audit_maintenance = 'on'"]
    first = events[0].pk

    for statement in (
        f"DELETE FROM audit_auditevent WHERE id = {first}",
        "TRUNCATE audit_auditevent",
        f"UPDATE audit_auditevent SET note = 'rien' WHERE id = {first}",
    ):
        assert "permission denied" in refused(*as_application, statement)
    seal = "UPDATE audit_auditevent SET chain = %s WHERE id = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in as_application:
            cursor.execute(statement)
        cursor.execute(seal, ["a" * 64, first])  # its seal, once
        assert "append-only: UPDATE" in refused(seal, params=["b" * 64, first])
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (role,)
        transaction.set_rollback(True)  # back to the test's own role


@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_is_sealed_in_its_place(personas):
    """Ids are handed out at INSERT, rows appear at COMMIT: the sealer waits for the writers."""
    inserted, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                record_event(actor=None, action="test.slow", obj=personas["applicant"])
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    writer = threading.Thread(target=slow_writer)
    writer.start()
    inserted.wait(10)
    quick = record_event(actor=None, action="test.quick", obj=personas["applicant"])

    assert seal_events(wait=0.2) == 0  # the slow event's id comes before the quick one's

    release.set()
    writer.join()
    assert seal_events() == 2
    slow = AuditEvent.objects.get(action="test.slow")
    assert slow.pk < quick.pk
    check = chain_check()
    assert (check.sealed, check.broken_at) == (2, None)
    assert check.head == AuditEvent.objects.get(pk=quick.pk).chain
