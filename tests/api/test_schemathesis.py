"""schemathesis against the live OpenAPI document, every check on: no server error, and every
answer as the document says (status codes, content types, headers, bodies, schema-valid
requests accepted and schema-violating ones refused, undeclared methods refused).

Each operation is tried anonymously and with a staff token. The budget is
POLLEN_FUZZ_EXAMPLES examples per operation and identity (default 320: 8 operations × 2 × 320
= 5,120 generated requests, plus schemathesis's own coverage and method probes; with
test_no_server_errors.py and tests/test_form_fuzz.py the suite sends more than 10,000).
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("POLLEN_FUZZ_EXAMPLES", "320"))

# Loaded at collection, when the database is not open yet: the rate limit counts in memory.
with override_settings(
    CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection(settings):
    """Like Django's test client: the WSGI app must not close the test transaction's connection.
    The rate limit is lifted: thousands of requests from one address are the point here."""
    settings.POLLEN_API_RATE_LIMIT = 10**9
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("identity", ["anonymous", "staff token"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_follows_the_openapi_document(case, identity, call_2013, staff_token):
    headers = {"Authorization": f"Bearer {staff_token}"} if identity == "staff token" else {}
    case.call_and_validate(headers=headers)
