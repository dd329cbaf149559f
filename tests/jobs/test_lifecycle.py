"""A job's life: claimed once, run again after its runner died, retried then dead, replayed."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from pollen import clock
from pollen.audit.models import AuditEvent
from pollen.jobs import services
from pollen.jobs.models import Job, JobStatus
from tests.jobs.conftest import WorkerKilled

pytestmark = pytest.mark.django_db(transaction=True)
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
QUEUED_ONLY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def effects(job: Job) -> int:
    return AuditEvent.objects.filter(action="test.effect", object_id=str(job.pk)).count()


def sweep(at: dt.datetime) -> str:
    out = io.StringIO()
    with clock.override(at):
        call_command("sweep_outbox", stdout=out)
    return out.getvalue()


def test_it_runs_after_the_commit_and_records_the_result(script, personas):
    with clock.override(NOW):
        job = services.start("tests.effect", owner=personas["manager"], params={"n": 1})
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.result == {"runs": 1, "url": "/espace/"}
    assert (job.progress_done, job.progress_total, job.progress_label) == (2, 2, "Terminé")
    assert job.attempts == 1 and job.finished_at == NOW and job.lease_until is None
    assert effects(job) == 1


def test_a_job_claimed_twice_has_one_effect(script, personas, settings):
    settings.TASKS = QUEUED_ONLY
    with clock.override(NOW):
        job = services.start("tests.effect", owner=personas["manager"])
    settings.TASKS = IMMEDIATE
    with clock.override(NOW):
        assert services.run_job.call(str(job.pk)) == "done"
        assert services.run_job.call(str(job.pk)) == "skipped"  # a duplicate task, or the sweep
    assert script.runs == 1 and effects(job) == 1
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_a_job_whose_worker_died_runs_again_when_its_lease_ends_and_its_effect_happens_once(
    script, personas, settings
):
    settings.TASKS = QUEUED_ONLY
    with clock.override(NOW):
        job = services.start("tests.effect", owner=personas["manager"])
    settings.TASKS = IMMEDIATE
    script.die_after_effect = True
    with clock.override(NOW), pytest.raises(WorkerKilled):
        services.run_job.call(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and effects(job) == 1
    assert job.progress_label == "Première moitié"  # the page showed where it was
    # While the lease holds, neither the sweep nor a second task touches it.
    assert "0 travail(s)" in sweep(NOW + services.LEASE - dt.timedelta(seconds=1))
    assert script.runs == 1
    assert "1 travail(s)" in sweep(NOW + services.LEASE + dt.timedelta(seconds=1))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 2
    assert script.runs == 2 and effects(job) == 1


def test_a_runner_that_lost_its_lease_cannot_overwrite_the_next_ones_result(script, personas):
    with clock.override(NOW):
        job = services.start("tests.effect", owner=personas["manager"])
    stale = Job.objects.get(pk=job.pk)
    stale.attempts -= 1  # the previous runner's token
    assert services._finish(stale, status=JobStatus.FAILED, result={}) is False
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE


def test_a_failing_job_is_retried_with_backoff_then_dead_lettered_and_replayed_from_the_admin(
    script, personas, client
):
    script.fail = services.MAX_ATTEMPTS
    with clock.override(NOW):
        job = services.start("tests.effect", owner=personas["manager"])
    moment = NOW
    for attempt in range(1, services.MAX_ATTEMPTS):
        job.refresh_from_db()
        assert (job.status, job.attempts) == (JobStatus.QUEUED, attempt)
        assert job.next_attempt_at == moment + services.backoff(attempt)
        assert job.error == "RuntimeError: the disk is full"
        assert "0 travail(s)" in sweep(job.next_attempt_at)  # due, but maybe still queued
        moment = job.next_attempt_at + services.SWEEP_GRACE
        assert "1 travail(s)" in sweep(moment)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, services.MAX_ATTEMPTS)
    assert effects(job) == 0 and script.runs == services.MAX_ATTEMPTS
    assert "0 travail(s)" in sweep(moment + dt.timedelta(days=1))  # a dead letter stays put

    client.force_login(personas["admin"])
    changelist = reverse("admin:jobs_job_changelist")
    dead = client.get(changelist, {"state": "dead"}).content.decode()
    assert "En échec définitif" in dead and f"/admin/jobs/job/{job.pk}/change/" in dead
    pending = client.get(changelist, {"state": "pending"}).content.decode()
    assert f"/admin/jobs/job/{job.pk}/change/" not in pending
    response = client.post(
        changelist, {"action": "replay", "_selected_action": [str(job.pk)]}, follow=True
    )
    assert "1 travail remis en file." in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and effects(job) == 1
    event = AuditEvent.objects.get(action="job.replayed")
    assert event.actor == personas["admin"] and event.object_id == str(job.pk)
    assert event.before == {"status": "failed", "attempts": services.MAX_ATTEMPTS}


def test_a_refusal_fails_at_once_with_its_message(script, personas):
    job = services.start("tests.refuse", owner=personas["manager"])
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)
    assert job.result == {"message": "Cet appel est clos : le calcul n'a pas été fait."}


@pytest.mark.usefixtures("no_worker_in_process")  # db_worker, below, is the worker
def test_with_the_database_backend_a_worker_runs_the_job_once(script, personas, settings):
    settings.TASKS = DATABASE
    job = services.start("tests.effect", owner=personas["manager"])
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED
    [stored] = DBTaskResult.objects.all()
    assert stored.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}
    services.run_job.enqueue(str(job.pk))  # a duplicate (a sweep that raced the worker)
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    assert script.runs == 1 and effects(job) == 1


@pytest.mark.usefixtures("no_worker_in_process")  # db_worker, below, is the worker
def test_with_the_database_backend_a_failure_is_scheduled_after_its_backoff(
    script, personas, settings
):
    settings.TASKS = DATABASE
    script.fail = 1
    job = services.start("tests.effect", owner=personas["manager"])
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.args_kwargs == {"args": [str(job.pk)], "kwargs": {}}
    assert retry.run_after is not None
    assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_the_log_lines_of_a_job_carry_the_request_id_that_asked_for_it(
    script, personas, client, caplog
):
    from config.observability import request_id

    token = request_id.set("req-0123456789")
    try:
        job = services.start("tests.effect", owner=personas["manager"])
    finally:
        request_id.reset(token)
    assert Job.objects.get(pk=job.pk).request_id == "req-0123456789"
