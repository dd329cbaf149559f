"""`reap_tasks`: a task row a killed worker left RUNNING is closed (failed, cause said); a task
still within its time, or not started, is left alone."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pollen.mailing import services as mailing
from pollen.operations.task_reaper import LOST

pytestmark = pytest.mark.django_db(transaction=True)
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def claimed(worker: str, minutes_ago: float) -> DBTaskResult:
    """A task a worker claimed (as db_worker does) that many minutes ago, then never ended."""
    row = DBTaskResult.objects.get(id=mailing.deliver_mail.enqueue(1).id)
    row.claim(worker)
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=minutes_ago)
    )
    return row


@pytest.mark.usefixtures("no_worker_in_process")  # the rows stay as the test left them
def test_a_task_left_running_by_a_dead_worker_is_marked_failed(settings):
    settings.TASKS = DATABASE
    dead = claimed("worker-tue", minutes_ago=31)
    alive = claimed("worker-vivant", minutes_ago=2)
    waiting = DBTaskResult.objects.get(id=mailing.deliver_mail.enqueue(2).id)
    out = io.StringIO()
    call_command("reap_tasks", stdout=out)
    assert "1 tâche(s) abandonnée(s)" in out.getvalue()
    dead.refresh_from_db()
    assert dead.status == "FAILED" and dead.exception_class_path == LOST
    assert "worker-tue" in dead.traceback and dead.finished_at is not None
    assert DBTaskResult.objects.get(pk=alive.pk).status == "RUNNING"
    assert DBTaskResult.objects.get(pk=waiting.pk).status == "READY"
    # A second run finds nothing more; a shorter threshold takes the other one.
    call_command("reap_tasks", stdout=out)
    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
    call_command("reap_tasks", "--stale-minutes", "1", stdout=out)
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
