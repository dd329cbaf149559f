"""Mail on the tasks framework: idempotent tasks, retries then dead letter, replay, sweep, worker."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.tasks import default_task_backend
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from pollen import clock
from pollen.audit.models import AuditEvent
from pollen.mailing import services
from pollen.mailing.models import OutgoingMail

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2013, 9, 13, 21, 0, tzinfo=dt.UTC)
QUEUED_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queue(address: str = "a@test.example") -> OutgoingMail:
    with transaction.atomic():
        [queued] = services.queue_mail(recipients=[address], subject="Objet", body="Texte")
    return queued


@pytest.fixture
def smtp_down(monkeypatch):
    def broken(self, messages):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", broken)


def test_it_enqueues_one_task_per_mail_after_the_commit(settings):
    settings.TASKS = QUEUED_ONLY
    with transaction.atomic():
        queued = services.queue_mail(
            recipients=["a@t.example", "b@t.example"], subject="O", body="T"
        )
        assert default_task_backend.results == []
    enqueued = default_task_backend.results
    assert sorted(r.args for r in enqueued) == sorted([m.pk] for m in queued)
    assert {r.task.name for r in enqueued} == {"deliver_mail"}


def test_a_mail_task_run_twice_sends_once(settings):
    settings.TASKS = QUEUED_ONLY
    queued = queue()
    assert services.deliver_mail.call(queued.pk) == {"sent": 1, "failed": 0}
    assert services.deliver_mail.call(queued.pk) == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1


def test_a_failing_mail_is_retried_with_backoff_then_dead_lettered(settings, smtp_down):
    settings.TASKS = QUEUED_ONLY
    with clock.override(NOW):
        queued = queue()
    moment = NOW
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        default_task_backend.clear()
        with clock.override(moment):
            assert services.deliver_mail.call(queued.pk) == {"sent": 0, "failed": 1}
        queued.refresh_from_db()
        assert queued.attempts == attempt
        assert queued.next_attempt_at == moment + services.backoff(attempt)
        retries = default_task_backend.results
        if attempt < services.MAX_ATTEMPTS:  # enqueued again, to run after the backoff
            [retry] = retries
            assert retry.args == [queued.pk] and retry.task.run_after is not None
        else:
            assert retries == []
        moment = queued.next_attempt_at
    assert list(services.dead_letters()) == [queued]
    with clock.override(moment + dt.timedelta(days=1)):
        assert services.deliver_mail.call(queued.pk) == {"sent": 0, "failed": 0}
        assert services.sweep() == 0  # given up: only a person sends it again


def test_an_admin_sends_a_dead_letter_again_from_the_admin(client, personas):
    with clock.override(NOW):
        queued = queue()
    OutgoingMail.objects.update(attempts=services.MAX_ATTEMPTS, sent_at=None)  # given up
    mail.outbox.clear()
    client.force_login(personas["admin"])
    changelist = reverse("admin:mailing_outgoingmail_changelist")
    page = client.get(changelist, {"state": "dead"})
    assert page.status_code == 200 and "a@test.example" in page.content.decode()
    assert "En échec définitif" in page.content.decode()
    with clock.override(NOW + dt.timedelta(hours=1)):
        response = client.post(
            changelist, {"action": "retry", "_selected_action": [queued.pk]}, follow=True
        )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["a@test.example"]]
    queued.refresh_from_db()
    assert queued.sent_at is not None and queued.attempts == 1
    event = AuditEvent.objects.get(action="mail.retried")
    assert (event.actor, event.before["attempts"]) == (personas["admin"], services.MAX_ATTEMPTS)


def test_the_sweep_enqueues_again_a_mail_whose_task_was_lost(settings):
    settings.TASKS = QUEUED_ONLY  # the task is recorded, then lost: no worker ever sees it
    with clock.override(NOW):
        queued = queue()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with clock.override(NOW + dt.timedelta(minutes=1)):
        call_command("sweep_outbox", stdout=io.StringIO())  # not late enough: maybe queued
    assert mail.outbox == []
    out = io.StringIO()
    with clock.override(NOW + services.SWEEP_GRACE):
        call_command("sweep_outbox", stdout=out)
    assert "1 courriel(s), 0 webhook(s) et 0 travail(s)" in out.getvalue()
    assert [m.to for m in mail.outbox] == [["a@test.example"]]
    with clock.override(NOW + dt.timedelta(hours=1)):
        call_command("sweep_outbox", stdout=io.StringIO())
    assert len(mail.outbox) == 1
    assert OutgoingMail.objects.get(pk=queued.pk).sent_at is not None


@pytest.mark.usefixtures("no_worker_in_process")  # db_worker, below, is the worker
def test_with_the_database_backend_a_worker_sends_the_mail_once(settings):
    settings.TASKS = DATABASE
    queued = queue()
    assert mail.outbox == []
    [stored] = DBTaskResult.objects.all()
    assert stored.args_kwargs == {"args": [queued.pk], "kwargs": {}}
    services.deliver_mail.enqueue(queued.pk)  # a duplicate (a sweep that raced the worker)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert [m.to for m in mail.outbox] == [["a@test.example"]]
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2
    assert OutgoingMail.objects.get(pk=queued.pk).sent_at is not None
