"""Completeness: complete or send back with a message; the applicant answers and resubmits."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from pollen import clock
from pollen.applications.models import Application, Status, Submission
from pollen.audit.models import AuditEvent
from pollen.calls.services import load_call
from pollen.demo.personas import PROGRAMME_BRETAGNE
from pollen.instruction import services
from pollen.instruction.models import Message, MessageKind
from pollen.mailing.models import OutgoingMail
from tests.conftest import ROOT, staff_of


def events(application, action):
    return AuditEvent.objects.filter(
        object_type="applications.application", object_id=str(application.pk), action=action
    )


def test_declaring_complete_notifies_the_applicant_after_commit(
    client, personas, world, django_capture_on_commit_callbacks
):
    client.force_login(personas["instructor"])
    a = world["a"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("instruction:completeness", args=[a.pk]), {"action": "complete"}
        )
        assert mail.outbox == []  # nothing is mailed before the transaction commits
    assert response.url == reverse("instruction:thread", args=[a.pk])
    for callback in callbacks:
        callback()
    assert Application.objects.get(pk=a.pk).status == Status.COMPLETE
    assert [m.to for m in mail.outbox] == [["applicant@test.example"]]
    assert "est complète" in mail.outbox[0].subject
    assert events(a, "application.completed").count() == 1
    assert Message.objects.get(application=a).kind == MessageKind.COMPLETE


def test_a_mail_failure_is_logged_and_the_change_stays(
    personas, world, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broken(self, messages):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    with django_capture_on_commit_callbacks(execute=True):
        services.declare_complete(acting_user=personas["instructor"], application=world["a"])
    assert Application.objects.get(pk=world["a"].pk).status == Status.COMPLETE
    kept = OutgoingMail.objects.get(subject__contains="est complète")  # kept for a retry
    # Logged by its id, never with the address or the subject (logs carry no personal data).
    assert f"mail {kept.pk} failed" in caplog.text
    assert "applicant@test.example" not in caplog.text
    assert (kept.sent_at, kept.attempts) == (None, 1)
    assert kept.last_error == "ConnectionRefusedError: SMTP down"


def test_a_refused_change_sends_nothing(personas, world, django_capture_on_commit_callbacks):
    Application.objects.filter(pk=world["a"].pk).update(status=Status.DRAFT)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Exception, match="déposée"),
    ):
        services.declare_complete(
            acting_user=personas["instructor"],
            application=Application.objects.get(pk=world["a"].pk),
        )
    assert callbacks == [] and mail.outbox == []
    assert not Message.objects.exists()


def test_corrections_thread_and_resubmission_open_round_two_with_a_new_receipt(
    client, personas, world, django_capture_on_commit_callbacks
):
    a, call = world["a"], world["call"]
    first = Submission.objects.get(application=a, round=1)
    client.force_login(personas["instructor"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("instruction:completeness", args=[a.pk]),
            {
                "action": "corrections",
                "message": "Le RIB est illisible.",
                "missing_documents": ["rib"],
            },
        )
    a.refresh_from_db()
    assert (a.status, a.round) == (Status.CORRECTIONS, 2)
    request = Message.objects.get(application=a)
    assert request.kind == MessageKind.CORRECTIONS and request.round == 2
    # The documents are data (the call file's ids), the words the instructor's own.
    assert request.missing_documents == ["rib"]
    assert request.body == "Le RIB est illisible."
    assert "des compléments sont demandés" in mail.outbox[-1].subject
    assert "Le RIB est illisible." in mail.outbox[-1].body
    assert "- Relevé d'identité bancaire (RIB)" in mail.outbox[-1].body  # the mail: labels
    note = events(a, "application.reopened").get().note
    assert "Le RIB est illisible." in note and "Relevé d'identité bancaire (RIB)" in note

    # The applicant reads the thread and answers; the instructor who wrote is mailed.
    client.force_login(personas["applicant"])
    page = client.get(reverse("instruction:thread", args=[a.pk])).content.decode()
    assert "Le RIB est illisible." in page and 'id="edit-link"' in page
    assert "<li>Relevé d&#x27;identité bancaire (RIB)</li>" in page  # its label, never "rib"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("instruction:thread", args=[a.pk]), {"body": "Voici un RIB lisible."})
    assert mail.outbox[-1].to == ["instructor@test.example"]
    assert events(a, "application.message_posted").count() == 1

    # Resubmission goes through the ordinary submit flow: the rules apply again, a new receipt.
    with clock.override(call.closes_at - dt.timedelta(hours=2)):
        response = client.post(reverse("applications:submit", args=[a.pk]), {"sworn": "on"})
    assert response.url == reverse("applications:receipt", args=[a.pk, 2])
    second = Submission.objects.get(application=a, round=2)
    assert second.receipt_number != first.receipt_number
    assert Application.objects.get(pk=a.pk).status == Status.SUBMITTED
    assert Submission.objects.filter(application=a).count() == 2


def test_asking_for_corrections_needs_a_message(client, personas, world):
    client.force_login(personas["instructor"])
    client.post(
        reverse("instruction:completeness", args=[world["a"].pk]), {"action": "corrections"}
    )
    assert Application.objects.get(pk=world["a"].pk).round == 1
    assert not Message.objects.exists()


def test_bulk_actions_apply_to_each_checked_application_and_report_refusals(
    client, personas, world, django_capture_on_commit_callbacks
):
    a, b = world["a"], world["b"]
    Application.objects.filter(pk=b.pk).update(status=Status.DRAFT)
    client.force_login(personas["instructor"])
    url = reverse("instruction:bulk", args=[world["call"].slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {"ids": [a.pk, b.pk], "action": "complete", "return_query": "status=submitted"},
            follow=True,
        )
    assert response.redirect_chain[0][0].endswith("?status=submitted")
    assert Application.objects.get(pk=a.pk).status == Status.COMPLETE
    assert Application.objects.get(pk=b.pk).status == Status.DRAFT
    page = response.content.decode()
    assert "1 candidature(s) traitée(s)." in page and "Fabrique solidaire à Brest" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"ids": [a.pk], "action": "message", "message": "Audition le 10 octobre."})
    assert Message.objects.filter(application=a, kind=MessageKind.MESSAGE).count() == 1
    assert mail.outbox[-1].to == ["applicant@test.example"]


def test_a_bulk_action_never_touches_another_call(client, personas, world):
    text = (ROOT / "calls" / "bretagne-tiers-lieux-2026.toml").read_text(encoding="utf-8")
    other = load_call(text=text, source_path="calls/bretagne-tiers-lieux-2026.toml").call
    # An instructor of both programmes: the wall between them is tests/test_programme_walls.py's.
    staff_of(PROGRAMME_BRETAGNE, personas["instructor"])
    client.force_login(personas["instructor"])
    response = client.post(
        reverse("instruction:bulk", args=[other.slug]),
        {"ids": [world["a"].pk], "action": "complete"},
    )
    assert response.status_code == 302
    assert Application.objects.get(pk=world["a"].pk).status == Status.SUBMITTED


def test_a_document_the_call_does_not_ask_for_is_refused(personas, world):
    with pytest.raises(services.InstructionError, match="pièces que l'appel demande"):
        services.ask_for_corrections(
            acting_user=personas["instructor"],
            application=world["a"],
            message="",
            missing_documents=["passeport"],
        )
    assert Application.objects.get(pk=world["a"].pk).status == Status.SUBMITTED
    assert not Message.objects.exists()
