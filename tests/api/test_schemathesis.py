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
    staff_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


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


# The staff token goes through schemathesis's own authentication, so that it knows a request
# carries one (a token added behind its back would turn its "no token" cases into valid ones).
# No caching: each test's database has its own token.
_token = {"key": ""}
staff_answers: list[int | None] = []


@staff_schema.auth.auth(refresh_interval=None)
class StaffToken:
    def get(self, case, context):
        return _token["key"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_follows_the_openapi_document_anonymously(case, call_2013):
    case.call_and_validate()


@pytest.mark.django_db
@staff_schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_follows_the_openapi_document_with_a_staff_token(case, call_2013, staff_token):
    _token["key"] = staff_token
    response = case.call_and_validate()
    sent = response.request.headers.get("Authorization", "")
    if "/staff/" in case.path and sent == f"Bearer {staff_token}":
        assert response.status_code != 401  # the token is ours and live: never refused
    staff_answers.append(response.status_code if sent else None)


def test_the_staff_token_was_used(db):
    """Runs after the test above (same module, in order): most cases carried the token."""
    if not staff_answers:
        pytest.skip("the staff-token cases did not run (deselected)")
    carried = [code for code in staff_answers if code is not None]
    assert len(carried) > len(staff_answers) / 2 and 200 in carried
