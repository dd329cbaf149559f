"""Health probes and request ids, as a load balancer and a log collector use them."""

import io
import json
import logging

import pytest
from django.urls import reverse

from config.observability import JsonFormatter, RequestIdFilter
from config.storage import private_storage as private_storage_config
from pollen.applications.models import private_storage

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("healthz"))
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_probes_are_answered_by_address_over_plain_http(client, settings):
    """A load balancer probes a node by its address, over HTTP: not a name in ALLOWED_HOSTS."""
    settings.ALLOWED_HOSTS = ["pollen.example.fr"]
    settings.SECURE_SSL_REDIRECT = True
    for probe in ("healthz", "readyz"):
        response = client.get(reverse(probe), HTTP_HOST="10.0.0.12:8000")
        assert response.status_code == 200, probe
        assert response.json()["status"] == "ok"
        assert response["X-Content-Type-Options"] == "nosniff"
    # Every other path still refuses an unknown host and sends plain HTTP to HTTPS.
    assert client.get("/", HTTP_HOST="10.0.0.12:8000").status_code == 400
    assert client.get("/", HTTP_HOST="pollen.example.fr").status_code == 301


def test_readyz_checks_the_database_the_storage_and_the_cache(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "cache": "ok", "tasks": "ok"},
    }
    assert private_storage.listdir("readyz") == ([], [])  # the probe file is gone


def test_readyz_is_503_and_names_the_task_queue_when_it_cannot_be_read(client, monkeypatch):
    """On the database backend the queue's table is read: a missing one makes the node not ready."""
    from django.db import connection
    from django_tasks_db.backend import DatabaseBackend

    monkeypatch.setattr("django.tasks.default_task_backend", DatabaseBackend("default", {}))
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE django_tasks_database_dbtaskresult RENAME TO gone")
    try:
        response = client.get(reverse("readyz"))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE gone RENAME TO django_tasks_database_dbtaskresult")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"].startswith("erreur")
    assert response.json()["checks"]["database"] == "ok"
    assert client.get(reverse("readyz")).status_code == 200  # the table back, ready again


def test_readyz_is_503_and_names_the_storage_when_documents_cannot_be_written(
    client, settings, tmp_path
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the documents folder should be")
    settings.STORAGES = {**settings.STORAGES, "private": private_storage_config("", {})}
    settings.PRIVATE_MEDIA_ROOT = blocker
    private_storage._setup()
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "indisponible"
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"].startswith("erreur")


def test_each_request_has_an_id_a_sane_one_from_the_balancer_is_kept(client):
    mine = client.get(reverse("healthz"), headers={"X-Request-ID": "lb-4f2a9c1e77"})
    assert mine["X-Request-ID"] == "lb-4f2a9c1e77"
    made_up = client.get(reverse("healthz"), headers={"X-Request-ID": "<script>\nx"})
    assert made_up["X-Request-ID"] != "<script>\nx" and len(made_up["X-Request-ID"]) == 32
    assert client.get(reverse("healthz"))["X-Request-ID"] != made_up["X-Request-ID"]


def test_log_lines_are_json_with_the_request_id(client):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/ce-chemin-n-existe-pas/", headers={"X-Request-ID": "trace-0123456789"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == "trace-0123456789"
    assert line["level"] == "WARNING" and line["logger"] == "django.request"
    assert "Not Found" in line["message"] and "timestamp" in line
