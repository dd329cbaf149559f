"""Starting, running, retrying and replaying jobs (one task, `run_job`, for every kind).

A job is a row written before its task is enqueued (after the commit), so the page can follow
it and `sweep_outbox` can find it again if the task is lost. The task claims the row (locked,
skipping rows another runner holds), leases it, and runs the kind's handler with a progress
callback that also renews the lease. A runner killed mid-job lets the lease expire and the
sweep enqueues the job again; `attempts` is the fencing token, so a runner that lost its lease
cannot overwrite what the next one wrote. Failures are retried with a growing delay, then the
job is « En échec définitif » in the admin, where « Relancer » (audited) queues it again.
"""

import datetime as dt
import logging
import time
import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Greatest
from django.tasks import task
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone

from config.observability import request_id
from pollen import clock
from pollen.audit.services import record_event
from pollen.jobs.models import Job, JobStatus
from pollen.jobs.registry import Failed, Outcome, kind_of

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
# A running job is left alone by other runners for this long after its last sign of life.
LEASE = dt.timedelta(minutes=5)
BASE_DELAY = dt.timedelta(seconds=30)
# A due job this late has lost its task (a crash between the commit and the enqueue).
SWEEP_GRACE = dt.timedelta(minutes=2)
# The progress callback writes the row at most this often (and at the end).
PROGRESS_EVERY_S = 0.5


def storage() -> Storage:
    """Where jobs' files go: the private storage, served only after the job's access check."""
    return storages["private"]


def start(
    kind: str,
    *,
    owner: Any,
    params: dict[str, Any] | None = None,
    holder: str = "",
    reuse_pending: bool = False,
) -> Job:
    """Record a job and run it: at once with the immediate backend, on a worker after the
    commit with the database one. The caller has checked that `owner` may ask for it.

    `holder` (views.holder_of) lets the browser that asked follow it without an account.
    `reuse_pending`: the same request again from the same owner or browser while the first is
    still queued or running follows the first rather than doing the work twice."""
    kind_of(kind)  # an unknown kind fails here, in the request, not later in a worker
    owner = owner if getattr(owner, "pk", None) else None
    params = params or {}
    if reuse_pending and (owner is not None or holder):
        same = pending().filter(kind=kind)
        same = same.filter(owner=owner) if owner is not None else same.filter(holder=holder)
        for job in same.order_by("-created_at")[:20]:
            if job.params == params:
                return job
    now = clock.now()
    job = Job.objects.create(
        kind=kind,
        owner=owner,
        holder=holder,
        params=params,
        created_at=now,
        next_attempt_at=now,
        request_id=request_id.get() if request_id.get() != "-" else "",
    )
    if isinstance(run_job.get_backend(), ImmediateBackend):
        # This process runs it, in the caller's transaction (where its row is visible): a test's
        # or a demo's page shows the result as soon as it follows the redirect.
        run_job.enqueue(str(job.pk))
    else:
        transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


@task
def run_job(job_id: str) -> str:
    """Run this job if it is due and nobody holds it; a second run does nothing."""
    job = _claim(job_id)
    if job is None:
        return "skipped"
    token = request_id.set(job.request_id or f"job-{job.pk.hex[:12]}")
    try:
        return _run(job)
    finally:
        request_id.reset(token)


def _run(job: Job) -> str:
    logger.info("job %s (%s) attempt %s", job.pk, job.kind, job.attempts)
    try:
        outcome = kind_of(job.kind).handler(job, _progress(job))
    except Failed as exc:
        _finish(job, status=JobStatus.FAILED, result={"message": str(exc)}, error=str(exc))
        return "refused"
    except Exception as exc:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _failed(job, exc)
        return "failed"
    _done(job, outcome)
    return "done"


def _claim(job_id: str | uuid.UUID) -> Job | None:
    """Take the job for this runner: queued and due, or running with an expired lease."""
    now = clock.now()
    claimable = Q(status=JobStatus.QUEUED, next_attempt_at__lte=now) | Q(
        status=JobStatus.RUNNING, lease_until__lt=now
    )
    with transaction.atomic():
        job = Job.objects.select_for_update(skip_locked=True).filter(claimable, pk=job_id).first()
        if job is None:
            return None
        if job.attempts >= MAX_ATTEMPTS:  # its last runner died: nothing more to try
            job.status, job.finished_at, job.lease_until = JobStatus.FAILED, now, None
            job.error = job.error or "lease expired on the last attempt"
            job.save(update_fields=["status", "finished_at", "lease_until", "error"])
            return None
        job.status, job.attempts, job.lease_until = JobStatus.RUNNING, job.attempts + 1, now + LEASE
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "attempts", "lease_until", "started_at"])
    return job


def _mine(job: Job) -> QuerySet[Job]:
    """The job's row while this runner still holds it (the attempt is the fencing token)."""
    return Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)


def _progress(job: Job) -> Any:
    last = [0.0]

    def progress(done: int, total: int, label: str = "") -> None:
        moment = time.monotonic()
        if moment - last[0] < PROGRESS_EVERY_S and done < total:
            return
        last[0] = moment
        _mine(job).update(
            progress_done=max(done, 0),
            progress_total=max(total, 0),
            progress_label=label[:200],
            lease_until=clock.now() + LEASE,
        )

    return progress


def _done(job: Job, outcome: Outcome) -> None:
    result: dict[str, Any] = {**outcome.data}
    if outcome.url:
        result["url"] = outcome.url
    name = ""
    if outcome.content is not None:
        name = _store(job, outcome)
        result["filename"] = outcome.filename or name.rsplit("/", 1)[-1]
        result["content_type"] = outcome.content_type
    _finish(job, status=JobStatus.DONE, result=result, result_file=name)


def _store(job: Job, outcome: Outcome) -> str:
    """The file under the job's own name: a second run replaces it rather than adding one."""
    name = f"jobs/{job.pk}/{outcome.filename or 'resultat'}"
    files = storage()
    if files.exists(name):
        files.delete(name)
    return files.save(name, ContentFile(outcome.content or b""))


def _finish(job: Job, *, status: str, result: dict[str, Any], error: str = "", **more: Any) -> bool:
    fields: dict[str, Any] = {"status": status, "result": result, "error": error[:2000]}
    if status == JobStatus.DONE:
        # A finished bar is full, whatever the handler last said.
        full = Greatest(F("progress_total"), F("progress_done"), Value(1))
        fields["progress_done"] = fields["progress_total"] = full
    return bool(_mine(job).update(finished_at=clock.now(), lease_until=None, **fields, **more))


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min… after the 1st, 2nd, 3rd… failure."""
    factor: int = 2 ** max(attempts - 1, 0)
    return BASE_DELAY * factor


def _failed(job: Job, exc: Exception) -> None:
    """Count the failure; queue the job again after the backoff, or give up (dead letter)."""
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if job.attempts >= MAX_ATTEMPTS:
        _finish(job, status=JobStatus.FAILED, result={}, error=error)
        logger.warning("job %s given up after %s attempts", job.pk, job.attempts)
        return
    delay = backoff(job.attempts)
    requeued = _mine(job).update(
        status=JobStatus.QUEUED,
        error=error,
        lease_until=None,
        next_attempt_at=clock.now() + delay,
    )
    # Where the backend cannot wait (immediate), sweep_outbox enqueues the job once it is due.
    backend = run_job.get_backend()
    if requeued and backend.supports_defer:
        run_job.using(run_after=timezone.now() + delay).enqueue(str(job.pk))


def sweep(limit: int = 1000) -> int:
    """Enqueue again the jobs whose task was lost: due for a while, or with an expired lease."""
    now = clock.now()
    lost = Q(status=JobStatus.QUEUED, next_attempt_at__lte=now - SWEEP_GRACE) | Q(
        status=JobStatus.RUNNING, lease_until__lt=now
    )
    ids = list(Job.objects.filter(lost).order_by("created_at").values_list("pk", flat=True)[:limit])
    for pk in ids:
        run_job.enqueue(str(pk))
    return len(ids)


def dead_letters() -> QuerySet[Job]:
    """The jobs given up (MAX_ATTEMPTS failures, or refused): they wait for « Relancer »."""
    return Job.objects.filter(status=JobStatus.FAILED)


def pending() -> QuerySet[Job]:
    return Job.objects.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])


def replay(*, acting_user: Any, jobs: QuerySet[Job]) -> int:
    """Give failed jobs a new series of attempts, from now; one audit event each."""
    with transaction.atomic():
        replayed = list(jobs.select_for_update(of=("self",)).filter(status=JobStatus.FAILED))
        now = clock.now()
        for job in replayed:
            before = {"status": job.status, "attempts": job.attempts}
            job.status, job.attempts, job.next_attempt_at = JobStatus.QUEUED, 0, now
            job.lease_until, job.finished_at, job.result = None, None, {}
            job.save(
                update_fields=[
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "lease_until",
                    "finished_at",
                    "result",
                ]
            )
            record_event(
                actor=acting_user,
                action="job.replayed",
                obj=job,
                before=before,
                after={"status": job.status, "kind": job.kind},
            )
        ids = [str(job.pk) for job in replayed]
        transaction.on_commit(lambda: [run_job.enqueue(pk) for pk in ids])
    return len(replayed)
