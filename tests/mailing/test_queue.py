"""The mail queue: written with the change, sent after the commit or by the worker, retried."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from pollen import clock
from pollen.mailing import services
from pollen.mailing.models import OutgoingMail

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2013, 9, 13, 21, 0, tzinfo=dt.UTC)
# Tasks are recorded and never run: the mails stay queued, as when no worker has run yet.
QUEUED_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def queue(*addresses: str) -> list[OutgoingMail]:
    return services.queue_mail(recipients=addresses, subject="Objet", body="Texte")


def test_a_rolled_back_change_queues_and_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue("a@test.example")
        raise RuntimeError("the change fails")
    assert OutgoingMail.objects.count() == 0
    assert mail.outbox == []


def test_immediate_delivery_sends_after_the_commit_once_per_address():
    with transaction.atomic():
        queue("b@test.example", "a@test.example", "a@test.example", "")
        assert mail.outbox == []  # not before the commit
    assert [m.to for m in mail.outbox] == [["a@test.example"], ["b@test.example"]]
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 0


def test_with_a_task_queue_the_request_only_queues_and_the_command_sends(settings, capsys):
    settings.TASKS = QUEUED_ONLY
    with transaction.atomic():
        queue("a@test.example", "b@test.example")
    assert mail.outbox == []
    assert services.pending_count() == 2
    call_command("send_mail_queue")
    assert sorted(m.to[0] for m in mail.outbox) == ["a@test.example", "b@test.example"]
    assert "2 courriel(s) envoyé(s), 0 en échec" in capsys.readouterr().out
    call_command("send_mail_queue")  # a second run sends nothing again
    assert len(mail.outbox) == 2


def test_a_failure_is_kept_and_retried_after_its_delay(settings, monkeypatch):
    settings.TASKS = QUEUED_ONLY
    real_send = mail.backends.locmem.EmailBackend.send_messages

    def broken(self, messages):
        raise ConnectionRefusedError("SMTP down")

    with clock.override(NOW):
        queue("a@test.example")
        monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", broken)
        assert services.send_pending() == {"sent": 0, "failed": 1}
    failed = OutgoingMail.objects.get()
    assert failed.attempts == 1 and failed.sent_at is None
    assert failed.next_attempt_at == NOW + services.backoff(1)
    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", real_send)
    with clock.override(NOW + dt.timedelta(seconds=59)):
        assert services.send_pending() == {"sent": 0, "failed": 0}  # not due yet
    with clock.override(NOW + dt.timedelta(minutes=1)):
        assert services.send_pending() == {"sent": 1, "failed": 0}
    assert OutgoingMail.objects.get().attempts == 2
    assert [m.to for m in mail.outbox] == [["a@test.example"]]


def test_a_claimed_mail_is_left_to_its_sender(settings):
    settings.TASKS = QUEUED_ONLY
    with clock.override(NOW), transaction.atomic():
        queue("a@test.example")
    with clock.override(NOW):
        claimed = services._claim(OutgoingMail.objects.all(), limit=10)
        assert [m.recipient for m in claimed] == ["a@test.example"]
        assert services.send_pending() == {"sent": 0, "failed": 0}  # another sender holds it
    with clock.override(NOW + services.LEASE):  # that sender died: the lease runs out
        assert services.send_pending() == {"sent": 1, "failed": 0}


def test_after_the_last_attempt_a_mail_is_no_longer_pending(settings, monkeypatch):
    settings.TASKS = QUEUED_ONLY
    queue("a@test.example")
    OutgoingMail.objects.update(attempts=services.MAX_ATTEMPTS)
    assert services.pending_count() == 0
    assert services.send_pending() == {"sent": 0, "failed": 0}


def test_a_batch_is_marked_sent_a_few_rows_at_a_time(settings, django_assert_max_num_queries):
    settings.TASKS = QUEUED_ONLY
    queue(*(f"p{i}@test.example" for i in range(60)))
    # Claim (select + lease), then one UPDATE per SENT_FLUSH mails: not one per mail.
    with django_assert_max_num_queries(2 + 2 + -(-60 // services.SENT_FLUSH)):
        assert services.send_pending(limit=200) == {"sent": 60, "failed": 0}
    assert len(mail.outbox) == 60
    assert set(OutgoingMail.objects.values_list("attempts", flat=True)) == {1}
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 0


def test_a_failure_is_logged_by_the_mail_s_id_without_personal_data(settings, monkeypatch, caplog):
    settings.TASKS = QUEUED_ONLY

    def broken(self, messages):
        raise ConnectionRefusedError("SMTP down")

    [queued] = services.queue_mail(
        recipients=["a@test.example"], subject="Candidature de Jeanne", body="Code secret 4242"
    )
    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", broken)
    services.send_pending()
    assert f"mail {queued.pk} failed" in caplog.text
    for personal in ("a@test.example", "Jeanne", "4242"):
        assert personal not in caplog.text
