"""A job's page, its polled fragment, its state for scripts, and its file."""

import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pollen.jobs import selectors, services
from pollen.jobs.models import Job, JobStatus


class SeeOther(HttpResponseRedirect):
    status_code = 303


def see_job(request: HttpRequest, job: Job) -> HttpResponse:
    """What a view that started a job answers: 303 to the job's page (htmx: HX-Redirect)."""
    url = reverse("jobs:detail", args=[job.pk])
    if getattr(request, "htmx", False):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return SeeOther(url)


def _context(job: Job) -> dict[str, Any]:
    return {
        "job": job,
        "title": selectors.title_of(job),
        "result_url": selectors.result_url(job),
        "message": str(job.result.get("message", "")) if job.status == JobStatus.FAILED else "",
        "is_done": job.status == JobStatus.DONE,
        "is_failed": job.status == JobStatus.FAILED,
    }


@login_required
@require_safe
def detail(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = selectors.access_job(request.user, job_id)
    url = selectors.result_url(job)
    if url and not job.result_file:
        return redirect(url)  # a page made by the job: show it (at once with the immediate backend)
    return render(request, "jobs/detail.html", _context(job))


@login_required
@require_safe
@never_cache
def state(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    """The fragment htmx polls every second; once done with a page, htmx goes there."""
    job = selectors.access_job(request.user, job_id)
    url = selectors.result_url(job)
    if url and not job.result_file and getattr(request, "htmx", False):
        return HttpResponse(status=200, headers={"HX-Redirect": url})
    return render(request, "jobs/_state.html", _context(job))


@login_required
@require_safe
@never_cache
def state_json(request: HttpRequest, job_id: uuid.UUID) -> JsonResponse:
    job = selectors.access_job(request.user, job_id)
    return JsonResponse(
        {
            "status": job.status,
            "done": job.progress_done,
            "total": job.progress_total,
            "label": job.progress_label,
            "result_url": selectors.result_url(job),
        }
    )


@login_required
@require_safe
def download(request: HttpRequest, job_id: uuid.UUID) -> FileResponse:
    job = selectors.access_job(request.user, job_id)
    if job.status != JobStatus.DONE or not job.result_file:
        raise Http404
    try:
        handle = services.storage().open(job.result_file, "rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=str(job.result.get("filename", "resultat")),
        content_type=str(job.result.get("content_type", "application/octet-stream")),
    )
