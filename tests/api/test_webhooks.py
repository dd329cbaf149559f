"""Webhooks against a local receiver that fails twice: each event once, in order, signed."""

import datetime as dt
import hashlib
import hmac
import io
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.test import TestCase

from pollen import clock
from pollen.api import webhooks
from pollen.api.models import Delivery, DeliveryStatus, WebhookEndpoint
from pollen.grants import services
from tests.grants.helpers import DECIDED, submitted_application

pytestmark = pytest.mark.django_db
SECRET = "s3cret-for-tests"
T0 = dt.datetime(2013, 10, 15, 10, tzinfo=clock.PARIS)


class Receiver(ThreadingHTTPServer):
    def __init__(self, failures: int):
        super().__init__(("127.0.0.1", 0), Handler)
        self.failures = failures
        self.calls: list[tuple[int, bytes, dict[str, str]]] = []


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        code = 500 if self.server.failures > 0 else 200
        self.server.failures -= 1
        self.server.calls.append((code, body, dict(self.headers)))
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args):
        return


@pytest.fixture
def receiver():
    server = Receiver(failures=2)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver):
    host, port = receiver.server_address[:2]
    return WebhookEndpoint.objects.create(
        url=f"http://{host}:{port}/hook", secret=SECRET, created_at=T0
    )


def _events(call_2013, personas):
    # The delivery tasks these commits enqueue are left out, whatever the task backend: here
    # deliver_pending alone makes the attempts, at the moments the tests set.
    with clock.override(T0), TestCase.captureOnCommitCallbacks():
        # Each service writes its delivery in its own transaction, with the change it announces.
        application = submitted_application(call_2013, personas["applicant"])
        grant = services.award_grant(
            acting_user=personas["manager"], application=application, amount=Decimal(70000)
        )
        services.sign_agreement(
            acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C."
        )
        advance = grant.payments.get(position=0)
        services.approve_payment(acting_user=personas["manager"], payment=advance)
        services.approve_payment(acting_user=personas["finance"], payment=advance)
        services.mark_paid(
            acting_user=personas["finance"],
            payment=advance,
            reference="VIR-1",
            transferred_on=clock.today(),
        )
    return application


def test_a_receiver_failing_twice_gets_each_event_once_in_order_and_signed(
    call_2013, personas, endpoint, receiver
):
    application = _events(call_2013, personas)
    assert list(Delivery.objects.values_list("kind", flat=True)) == ["submitted", "decided", "paid"]
    moment = T0
    for _ in range(3):
        with clock.override(moment):
            webhooks.deliver_pending()
        moment += dt.timedelta(hours=1)  # beyond any backoff so far
    delivered = [json.loads(body) for code, body, _ in receiver.calls if code == 200]
    assert [e["event"] for e in delivered] == ["submitted", "decided", "paid"]
    assert [code for code, _, _ in receiver.calls] == [500, 500, 200, 200, 200]
    assert {e["application"]["id"] for e in delivered} == {application.pk}
    assert len({e["id"] for e in delivered}) == 3
    for _, body, headers in receiver.calls:
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Pollen-Signature"], expected)
    first = Delivery.objects.get(kind="submitted")
    assert (first.status, first.attempts, first.last_status_code) == (
        DeliveryStatus.DELIVERED,
        3,
        200,
    )
    with clock.override(moment):
        assert webhooks.deliver_pending() == {"sent": 0, "failed": 0}


def test_a_later_event_waits_while_an_earlier_one_is_in_backoff(
    call_2013, personas, endpoint, receiver
):
    _events(call_2013, personas)
    with clock.override(T0):
        assert webhooks.deliver_pending() == {"sent": 0, "failed": 1}
    with clock.override(T0 + dt.timedelta(seconds=10)):  # still within the first 30 s backoff
        assert webhooks.deliver_pending() == {"sent": 0, "failed": 0}
    assert len(receiver.calls) == 1
    pending = Delivery.objects.get(kind="submitted")
    assert pending.next_attempt_at == T0 + webhooks.backoff(1)


def test_backoff_doubles():
    assert [webhooks.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_a_delivery_can_be_replayed_from_the_command(call_2013, personas, endpoint, receiver):
    receiver.failures = 0
    _events(call_2013, personas)
    call_command("deliver_webhooks", stdout=io.StringIO())
    first = Delivery.objects.get(kind="decided")
    out = io.StringIO()
    call_command("deliver_webhooks", "--replay", str(first.pk), stdout=out)
    assert "rejouée" in out.getvalue()
    bodies = [body for _, body, _ in receiver.calls]
    assert bodies.count(first.body.encode()) == 2


def test_a_submission_writes_its_submitted_event_with_it_and_a_refusal_writes_none(
    call_2013, personas, endpoint, django_capture_on_commit_callbacks
):
    from pollen.applications import services as application_services
    from tests.builders import eligible_draft, organisation_for

    organisation_for(personas["applicant_b"], siret="44306184100047", name="Fablab B")
    draft = eligible_draft(call_2013, personas["applicant_b"])
    with (
        clock.override(call_2013.closes_at + dt.timedelta(microseconds=1)),
        pytest.raises(application_services.SubmissionRefused),
    ):
        application_services.submit_application(
            acting_user=personas["applicant_b"], application_id=draft.pk
        )
    assert not Delivery.objects.exists()
    moment = call_2013.closes_at - dt.timedelta(hours=2)
    # Written in the submission's transaction: no commit callback is needed (none is run here).
    with clock.override(moment), django_capture_on_commit_callbacks(execute=False):
        outcome = application_services.submit_application(
            acting_user=personas["applicant_b"], application_id=draft.pk
        )
    delivery = Delivery.objects.get(kind="submitted", application_id=draft.pk)
    assert json.loads(delivery.body)["data"]["receipt"] == outcome.submission.receipt_number
    assert (delivery.endpoint, delivery.status, delivery.attempts) == (
        endpoint,
        DeliveryStatus.PENDING,
        0,
    )
    assert delivery.last_attempt_at is None and delivery.delivered_at is None


def test_an_event_goes_to_the_active_endpoints_that_listen_to_its_kind(call_2013, personas):
    from tests.builders import eligible_draft, organisation_for

    def endpoint(name: str, events: list[str], active: bool = True) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(
            url=f"http://127.0.0.1:9/{name}",
            secret=SECRET,
            events=events,
            is_active=active,
            created_at=T0,
        )

    everything = endpoint("tout", [])
    submissions = endpoint("depots", ["decided", "submitted"])
    endpoint("paiements", ["paid"])
    endpoint("coupe", [], active=False)
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    with clock.override(call_2013.closes_at - dt.timedelta(hours=2)):
        webhooks.enqueue_event("submitted", draft, {"round": 1})
    sent = Delivery.objects.filter(kind="submitted", application_id=draft.pk)
    assert sorted(d.endpoint.url for d in sent) == sorted([everything.url, submissions.url])
    assert len({d.event_id for d in sent}) == 1  # one event, one delivery per endpoint
    with pytest.raises(ValueError, match="Événement inconnu"):
        webhooks.enqueue_event("opened", draft, {})
