"""Webhooks on the tasks framework: published events, idempotent tasks, dead letters, sweep."""

import datetime as dt
import io
import json
import threading
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.tasks import default_task_backend
from django.urls import reverse

from pollen import clock
from pollen.api import webhooks
from pollen.api.models import Delivery, DeliveryStatus, WebhookEndpoint
from pollen.audit.models import AuditEvent
from pollen.grants import services
from tests.api.test_webhooks import SECRET, Receiver
from tests.grants.helpers import submitted_application

pytestmark = pytest.mark.django_db(transaction=True)
QUEUED_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
T0 = dt.datetime(2013, 10, 15, 10, tzinfo=clock.PARIS)


@pytest.fixture
def receiver():
    server = Receiver(failures=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver):
    host, port = receiver.server_address[:2]
    return WebhookEndpoint.objects.create(
        url=f"http://{host}:{port}/hook", secret=SECRET, created_at=T0
    )


def test_each_published_event_is_posted_once_after_its_commit(
    call_2013,
    personas,
    endpoint,
    receiver,
):
    application = submitted_application(call_2013, personas["applicant"])
    services.award_grant(
        acting_user=personas["manager"], application=application, amount=Decimal(70000)
    )
    kinds = [json.loads(body)["event"] for _, body, _ in receiver.calls]
    assert kinds == ["submitted", "decided"]
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}


def test_a_webhook_task_run_twice_posts_once(
    settings,
    call_2013,
    personas,
    endpoint,
    receiver,
):
    settings.TASKS = QUEUED_ONLY
    submitted_application(call_2013, personas["applicant"])
    delivery = Delivery.objects.get()
    assert [r.args for r in default_task_backend.results if r.task.name == "deliver_webhook"] == [
        [delivery.pk]
    ]
    assert webhooks.deliver_webhook.call(delivery.pk) == "delivered"
    assert webhooks.deliver_webhook.call(delivery.pk) == "skipped"
    assert len(receiver.calls) == 1


def test_a_later_event_waits_for_the_earlier_one_and_follows_it(
    settings,
    call_2013,
    personas,
    endpoint,
    receiver,
):
    settings.TASKS = QUEUED_ONLY
    application = submitted_application(call_2013, personas["applicant"])
    services.award_grant(
        acting_user=personas["manager"], application=application, amount=Decimal(70000)
    )
    submitted, decided = Delivery.objects.order_by("id")
    assert webhooks.deliver_webhook.call(decided.pk) == "waiting"
    default_task_backend.clear()
    assert webhooks.deliver_webhook.call(submitted.pk) == "delivered"
    assert [r.args for r in default_task_backend.results] == [[decided.pk]]  # it follows


def test_a_failing_webhook_is_retried_then_dead_lettered_then_retried_from_the_admin(
    settings,
    client,
    call_2013,
    personas,
    endpoint,
    receiver,
):
    settings.TASKS = QUEUED_ONLY
    receiver.failures = 100
    submitted_application(call_2013, personas["applicant"])
    delivery = Delivery.objects.get()
    moment = T0
    for attempt in range(1, webhooks.MAX_ATTEMPTS + 1):
        default_task_backend.clear()
        with clock.override(moment):
            assert webhooks.deliver_webhook.call(delivery.pk) == "failed"
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        retried = [r for r in default_task_backend.results if r.task.run_after is not None]
        assert len(retried) == (1 if attempt < webhooks.MAX_ATTEMPTS else 0)
        moment += webhooks.backoff(attempt)
    assert delivery.status == DeliveryStatus.FAILED
    assert list(webhooks.dead_letters()) == [delivery]

    settings.TASKS = IMMEDIATE
    receiver.failures = 0
    client.force_login(personas["admin"])
    changelist = reverse("admin:api_delivery_changelist")
    page = client.get(changelist, {"state": "dead"}).content.decode()
    assert "En échec définitif" in page and "submitted" in page
    response = client.post(changelist, {"action": "retry", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    copy = Delivery.objects.exclude(pk=delivery.pk).get()
    assert (copy.status, copy.event_id, copy.body) == (
        DeliveryStatus.DELIVERED,
        delivery.event_id,
        delivery.body,
    )
    event = AuditEvent.objects.get(action="webhook.retried")
    assert (event.actor, event.after) == (personas["admin"], {"copy": copy.pk})


def test_the_sweep_enqueues_again_a_delivery_whose_task_was_lost(
    settings,
    call_2013,
    personas,
    endpoint,
    receiver,
):
    settings.TASKS = QUEUED_ONLY
    submitted_application(call_2013, personas["applicant"])
    delivery = Delivery.objects.get()
    settings.TASKS = IMMEDIATE
    out = io.StringIO()
    with clock.override(delivery.next_attempt_at + webhooks.SWEEP_GRACE):
        call_command("sweep_outbox", stdout=out)
    # the receipt mail was lost too
    assert "1 courriel(s), 1 webhook(s) et 0 travail(s)" in out.getvalue()
    assert Delivery.objects.get().status == DeliveryStatus.DELIVERED
    assert len(receiver.calls) == 1
