"""Reading a job: only its owner (an account, or the browser that asked), or someone its kind
lets follow it; anyone else gets a 404."""

import hmac
from typing import Any

from django.http import Http404
from django.urls import reverse

from pollen.jobs.models import Job, JobStatus
from pollen.jobs.registry import kind_of, known


def access_job(user: Any, pk: Any, *, holder: str = "") -> Job:
    """`holder`: the hash the asking browser's session holds (views.holder_of), or ""."""
    job = Job.objects.filter(pk=pk).first()
    if job is None:
        raise Http404
    if job.holder and holder and hmac.compare_digest(job.holder, holder):
        return job
    if not user.is_authenticated:
        raise Http404
    if job.owner_id == user.pk:
        return job
    if known(job.kind) and kind_of(job.kind).can_view(user, job):
        return job
    raise Http404


def has_owner_account(pk: Any) -> bool:
    """Whether the job is an account's (its page then asks a signed-out visitor to sign in)."""
    return Job.objects.filter(pk=pk, owner__isnull=False).exists()


def result_url(job: Job) -> str:
    """Where the result is: the job's file, or the page it made; "" until it is done."""
    if job.status != JobStatus.DONE:
        return ""
    if job.result_file:
        return reverse("jobs:file", args=[job.pk])
    return str(job.result.get("url", ""))


def title_of(job: Job) -> Any:
    return kind_of(job.kind).title if known(job.kind) else job.kind
