"""A job's page, its polled fragment, its state for scripts, and its file."""

import functools
import hashlib
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pollen.jobs import selectors, services
from pollen.jobs.models import Job, JobStatus

# The random token a browser's session keeps to follow the jobs it asked for (decision 0025).
HOLDER_SESSION_KEY = "pollen_jobs_holder"


class SeeOther(HttpResponseRedirect):
    status_code = 303


def holder_of(request: HttpRequest, *, create: bool = False) -> str:
    """The hash of this browser's job token ("" if it has none and `create` is False). The
    session keeps the token across sign-in (its key changes, not its data), not across sign-out."""
    token = request.session.get(HOLDER_SESSION_KEY, "")
    if not token and create:
        token = request.session[HOLDER_SESSION_KEY] = secrets.token_urlsafe(32)
    return hashlib.sha256(str(token).encode()).hexdigest() if token else ""


type JobView = Callable[[HttpRequest, Job], HttpResponseBase]


def _followed(view: JobView) -> Callable[[HttpRequest, uuid.UUID], HttpResponseBase]:
    """The job, for its owner, its browser, or whom its kind lets follow it; someone signed
    out is sent to sign in when the job is an account's, anyone else gets a 404."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, job_id: uuid.UUID) -> HttpResponseBase:
        try:
            job = selectors.access_job(request.user, job_id, holder=holder_of(request))
        except Http404:
            if request.user.is_authenticated or not selectors.has_owner_account(job_id):
                raise
            return redirect_to_login(request.get_full_path())
        return view(request, job)

    return wrapped


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


@require_safe
@_followed
def detail(request: HttpRequest, job: Job) -> HttpResponse:
    url = selectors.result_url(job)
    if url and not job.result_file:
        return redirect(url)  # a page made by the job: show it (at once with the immediate backend)
    return render(request, "jobs/detail.html", _context(job))


@require_safe
@never_cache
@_followed
def state(request: HttpRequest, job: Job) -> HttpResponse:
    """The fragment htmx polls every second; once done with a page, htmx goes there."""
    url = selectors.result_url(job)
    if url and not job.result_file and getattr(request, "htmx", False):
        return HttpResponse(status=200, headers={"HX-Redirect": url})
    return render(request, "jobs/_state.html", _context(job))


@require_safe
@never_cache
@_followed
def state_json(request: HttpRequest, job: Job) -> JsonResponse:
    return JsonResponse(
        {
            "status": job.status,
            "done": job.progress_done,
            "total": job.progress_total,
            "label": job.progress_label,
            "result_url": selectors.result_url(job),
        }
    )


@require_safe
@_followed
def download(request: HttpRequest, job: Job) -> FileResponse:
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
