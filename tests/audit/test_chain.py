"""The audit chain: sealed after the fact, recomputed by verify_audit, on SQLite and PostgreSQL."""

import datetime as dt
import hashlib
from io import StringIO

import pytest
from django.core.management import call_command

from pollen.audit.models import AuditEvent
from pollen.audit.selectors import chain_check
from pollen.audit.services import seal_events
from tests.audit.helpers import forged, in_maintenance, recorded


def verify_audit() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def events(personas):
    return recorded(personas["manager"], personas["applicant"], count=5)


def test_it_records_events_unsealed_and_seals_them_in_id_order(events):
    assert all(e.chain is None for e in AuditEvent.objects.all())

    out = StringIO()
    call_command("seal_audit", stdout=out)

    assert out.getvalue() == "5 événements scellés.\n"

    chains = list(AuditEvent.objects.order_by("id").values_list("chain", flat=True))
    assert all(len(c) == 64 for c in chains)
    assert seal_events() == 0


def test_it_says_all_is_well_with_the_count_after_sealing(events):
    code, out = verify_audit()

    assert code == 0
    assert "Chaîne d'audit intacte : 5 événement(s) vérifié(s), 0 en attente" in out
    assert AuditEvent.objects.order_by("id").last().chain in out  # the head, to note elsewhere


def test_it_seals_only_what_is_new(events, personas):
    seal_events()
    recorded(personas["manager"], personas["applicant_b"], count=2)

    assert seal_events() == 2
    assert chain_check().sealed == 7


@pytest.mark.parametrize(
    "change",
    [
        {"note": "rien à signaler"},
        {"actor": None},
        {"after": {"n": 2, "note": "e"}},
        {"occurred_at": dt.datetime(2013, 9, 13, 21, 59, tzinfo=dt.UTC)},
        {"chain": "0" * 64},
    ],
)
def test_a_rewritten_event_is_reported_as_the_first_broken_link(events, change):
    seal_events()

    forged(events[2], **change)

    code, out = verify_audit()
    assert code == 1
    assert f"Chaîne d'audit rompue à l'événement {events[2].pk} :" in out
    assert (chain_check().broken_at, chain_check().reason) == (events[2].pk, "altered")


def test_a_removed_event_breaks_the_link_of_the_next_one(events):
    seal_events()

    in_maintenance()
    AuditEvent.objects.filter(pk=events[2].pk).delete()

    assert verify_audit()[0] == 1
    assert chain_check().broken_at == events[3].pk


def test_an_event_left_out_of_the_chain_is_reported(events):
    seal_events()

    forged(events[1], chain=None)

    assert (chain_check().broken_at, chain_check().reason) == (events[1].pk, "skipped")
    assert verify_audit()[0] == 1  # sealing again does not paper over it


def test_the_sealed_chain_is_the_same_whoever_seals_it_and_whenever(db):
    moment = dt.datetime(2013, 9, 13, 23, 59, 59, 500000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    for pk in (101, 102):
        AuditEvent.objects.create(
            id=pk,
            occurred_at=moment,
            action="application.submitted",
            object_type="applications.application",
            object_id="7",
            after={"status": "submitted", "montant": "12.50"},
            note="Déposé",
        )
    seal_events()
    first, second = AuditEvent.objects.order_by("id").values_list("chain", flat=True)

    # The canonical form, written out: compact, key-sorted JSON in UTF-8, the moment in UTC.
    form = (
        '{"action":"application.submitted","actor_id":null,"after":{"montant":"12.50",'
        '"status":"submitted"},"before":null,"id":%d,"note":"Déposé","object_id":"7",'
        '"object_type":"applications.application","occurred_at":"2013-09-13T21:59:59.500000+00:00"}'
    )
    assert first == hashlib.sha256((form % 101).encode()).hexdigest()
    assert second == hashlib.sha256((first + form % 102).encode()).hexdigest()
    forged(AuditEvent(pk=101), chain=None)
    forged(AuditEvent(pk=102), chain=None)
    seal_events()
    assert list(AuditEvent.objects.order_by("id").values_list("chain", flat=True)) == [
        first,
        second,
    ]
