"""What operators read: a request id on every request and log line, JSON logs, health probes.

- RequestIdMiddleware gives each request an id (the load balancer's X-Request-ID when it sends
  a sane one, else a new one), answers it in X-Request-ID and puts it in every log line
  written while the request runs (a context variable, so threads and async tasks keep theirs).
- JsonFormatter (python-json-logger) writes one JSON object per line with that id.
- /healthz: the process answers (for a load balancer's liveness check; touches nothing).
- /readyz: the database, the document storage, the shared cache and the task queue answer; 503 otherwise,
  with which one failed, so a node is taken out of rotation until they do.
"""

import contextvars
import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from pythonjsonlogger.json import JsonFormatter as _LibraryJsonFormatter

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_SANE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SANE.match(given) else uuid.uuid4().hex
        # Not reset on the way out: Django logs a 4xx/5xx after the middleware has answered, and
        # that line must carry the id too. The next request in this thread sets its own.
        request_id.set(rid)
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response


class ProbeMiddleware:
    """Answers /healthz and /readyz before the host is checked.

    A load balancer or a container engine probes a node by its address (the Host header is
    `10.0.0.12:8000`, or none), not by the site's name in ALLOWED_HOSTS: through the rest of
    the stack the probe would get a 400. Placed after SecurityMiddleware, whose HTTPS redirect
    exempts these paths (SECURE_REDIRECT_EXEMPT), so the plain-HTTP probe is answered too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        return probe(request) if probe is not None else self.get_response(request)


class RequestIdFilter(logging.Filter):
    """Adds the current request's id (or "-" outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(_LibraryJsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__("%(levelname)s %(name)s %(message)s %(request_id)s", *args, **kwargs)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _storage() -> None:
    """A tiny file written, read back and deleted: the documents can be stored, wherever."""
    from django.core.files.base import ContentFile

    from pollen.applications.models import private_storage

    name = private_storage.save(f"readyz/{uuid.uuid4().hex}", ContentFile(b"ok"))
    try:
        with private_storage.open(name) as probe:
            if probe.read() != b"ok":
                raise RuntimeError("the storage did not keep a file")
    finally:
        private_storage.delete(name)


def _cache() -> None:
    key = f"pollen-readyz:{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=10)
    if cache.get(key) != 1:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def _tasks() -> None:
    """Work can be queued: with the database backend (POLLEN_TASKS=database), its queue's table
    answers; the immediate backend runs tasks in this process and needs nothing else."""
    from django.tasks import default_task_backend
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(default_task_backend, DatabaseBackend):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.filter(pk__isnull=True).exists()


CHECKS: dict[str, Callable[[], None]] = {
    "database": _database,
    "storage": _storage,
    "cache": _cache,
    "tasks": _tasks,
}


@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            # Each check in its own transaction: one that fails leaves the connection usable
            # for the next (inside a test's transaction, or ATOMIC_REQUESTS one day).
            with transaction.atomic():
                check()
        except Exception as exc:  # any failure makes the node not ready; the kind is enough
            logging.getLogger("pollen.readyz").warning("%s not ready: %r", name, exc)
            results[name] = f"erreur : {type(exc).__name__}"
        else:
            results[name] = "ok"
    ready = all(v == "ok" for v in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "indisponible", "checks": results},
        status=200 if ready else 503,
    )


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz}
