"""Domain events: subscribers write in the publisher's transaction, tasks run after the commit."""

import pytest
from django.core import mail
from django.db import transaction

from pollen import events
from pollen.mailing.models import OutgoingMail
from pollen.mailing.services import queue_mail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mailing_subscriber():
    """A subscriber that mails the address in the payload, as a feature's would."""

    def on_noted(event: events.Event) -> None:
        queue_mail(recipients=[event.payload["to"]], subject=event.name, body="Texte")

    events.subscribe("test.noted", on_noted)
    events.subscribe("test.noted", on_noted)  # ready() run twice still subscribes once
    yield
    events._subscribers.pop("test.noted")


def test_it_delivers_nothing_for_an_event_published_in_a_rolled_back_transaction(
    mailing_subscriber,
):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.noted", obj=None, payload={"to": "a@test.example"})
        raise RuntimeError("the change fails")
    assert OutgoingMail.objects.count() == 0
    assert mail.outbox == []


def test_it_delivers_a_committed_event_once_after_the_commit(mailing_subscriber):
    with transaction.atomic():
        events.publish("test.noted", obj=None, payload={"to": "a@test.example"})
        assert mail.outbox == []  # the subscriber only wrote its row
    assert [(m.to, m.subject) for m in mail.outbox] == [(["a@test.example"], "test.noted")]
    assert OutgoingMail.objects.get().sent_at is not None


def test_an_event_without_subscribers_is_nothing():
    assert events.publish("test.unheard", obj=None).payload == {}
