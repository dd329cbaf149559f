"""Task rows left RUNNING by a worker that died: marked failed so that none runs "forever".

django-tasks-db marks a task RUNNING when a worker claims it and records the end when the task
returns; a worker killed in between (kill -9, an OOM kill, a lost host) leaves the row RUNNING
for ever, and nothing in the library takes it back. In Pollen the rows a task works on are the
source of truth (the outbox's mails and deliveries, the jobs): `sweep_outbox` enqueues again
whatever the dead task did not finish, so the stale task row only needs closing, with its cause.

A task row RUNNING for longer than STALE_AFTER is taken for dead: Pollen's tasks take seconds
(one mail, one webhook, with their time-outs), and a long job keeps its own lease on the Job row.
Should a slow task still be alive, its own end overwrites the row (successful or failed).
"""

import datetime as dt

from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

STALE_AFTER = dt.timedelta(minutes=30)
LOST = "pollen.operations.task_reaper.WorkerLost"


def reap_stale_tasks(
    now: dt.datetime | None = None, stale_after: dt.timedelta = STALE_AFTER
) -> int:
    """Mark failed the task rows RUNNING since before `now - stale_after`; returns how many.

    The task rows carry real time (the library's timezone.now()), not Pollen's shifted clock.
    """
    now = now or timezone.now()
    with transaction.atomic():
        stale = list(
            DBTaskResult.objects.select_for_update(skip_locked=True).filter(
                status=TaskResultStatus.RUNNING, started_at__lt=now - stale_after
            )
        )
        for row in stale:
            row.status = TaskResultStatus.FAILED
            row.finished_at = now
            row.exception_class_path = LOST
            row.traceback = (
                f"Le worker {', '.join(row.worker_ids) or '?'} ne l'a pas terminée : "
                f"en cours depuis plus de {stale_after} (worker arrêté brutalement)."
            )
            row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
    return len(stale)
