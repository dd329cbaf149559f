"""A mail sent again (its sender died before recording the send) keeps its Message-ID, so the
receiver can drop the second copy: the idempotency key of at-least-once delivery."""

import pytest
from django.core import mail
from django.db import transaction

from pollen import clock
from pollen.mailing import services
from pollen.mailing.models import OutgoingMail

pytestmark = pytest.mark.django_db(transaction=True)
QUEUED_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def queue(address: str) -> OutgoingMail:
    with transaction.atomic():
        [queued] = services.queue_mail(recipients=[address], subject="Objet", body="Texte")
    return queued


def test_a_mail_sent_again_after_a_crash_keeps_its_message_id(settings):
    settings.TASKS = QUEUED_ONLY
    settings.SITE_URL = "https://pollen.example.org"
    first, other = queue("a@test.example"), queue("b@test.example")
    assert services.deliver_mail.call(first.pk) == {"sent": 1, "failed": 0}
    # The sender died between the SMTP send and the UPDATE recording it; the lease ran out.
    OutgoingMail.objects.filter(pk=first.pk).update(sent_at=None, next_attempt_at=clock.now())
    assert services.deliver_mail.call(first.pk) == {"sent": 1, "failed": 0}
    assert services.deliver_mail.call(other.pk) == {"sent": 1, "failed": 0}
    ids = [m.extra_headers["Message-ID"] for m in mail.outbox]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].startswith(f"<pollen-mail-{first.pk}.") and ids[0].endswith(
        "@pollen.example.org>"
    )
    # The header is the one on the wire, not a second one beside Django's own.
    assert mail.outbox[0].message()["Message-ID"] == ids[0]
