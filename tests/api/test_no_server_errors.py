"""Requests generated from the OpenAPI document never get a 5xx, nor do known hostile inputs.

Beside schemathesis (test_schemathesis.py), Hypothesis draws parameters from each operation's own schema,
valid and invalid alike, for every path of the document; then inputs that once crashed a server.
"""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollen.api.auth import create_token
from pollen.api.openapi import document
from pollen.audit.models import AuditEvent
from pollen.grants.models import Grant
from tests.grants.helpers import awarded_grant, submitted_application

pytestmark = pytest.mark.django_db
DOC = document(places=True)
TEXT = st.text(max_size=30)


def value_for(schema):
    """Mostly values the schema allows, sometimes ones it does not."""
    if schema.get("type") == "integer":
        valid = st.integers(schema.get("minimum", -(10**6)), schema.get("maximum", 10**6))
        return st.one_of(valid, st.integers(), TEXT).map(str)
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), TEXT)
    return TEXT


def requests_for(path, operation):
    params = operation.get("parameters", [])
    query = st.fixed_dictionaries(
        {}, optional={p["name"]: value_for(p["schema"]) for p in params if p["in"] == "query"}
    )
    path_values = st.fixed_dictionaries(
        {
            p["name"]: st.one_of(
                st.sampled_from(["fablabs-2013", "1"]), st.from_regex(r"\A[a-z0-9-]{1,20}\Z")
            )
            for p in params
            if p["in"] == "path"
        }
    )
    return st.tuples(st.just(path), query, path_values)


OPERATIONS = [
    (path, method, operation)
    for path, methods in DOC["paths"].items()
    for method, operation in methods.items()
]
GETS = st.one_of(*(requests_for(p, op) for p, m, op in OPERATIONS if m == "get"))
BODIES = st.dictionaries(
    st.sampled_from(["status", "message", "amount_eur", "note", "other"]),
    st.one_of(
        TEXT, st.integers(), st.none(), st.sampled_from(["corrections", "selected", "60000"])
    ),
)


@pytest.fixture
def data(call_2013, personas):
    awarded_grant(call_2013, personas["applicant"], personas["manager"])


def _url(path, values):
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(request=GETS)
def test_no_get_request_from_the_document_gets_a_server_error(client, data, staff_token, request):
    path, query, values = request
    response = client.get(_url(path, values), query, HTTP_AUTHORIZATION=f"Bearer {staff_token}")
    assert response.status_code < 500, (path, query, response.content[:300])


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from([p for p, m, _ in OPERATIONS if m == "post"]),
    application=st.sampled_from(["1", "2", "999"]),
    body=st.one_of(BODIES, st.just([]), st.just("x")),
    raw=st.booleans(),
)
def test_no_staff_write_gets_a_server_error(
    client, data, staff_token, path, application, body, raw
):
    content = "{not json" if raw else json.dumps(body)
    response = client.post(
        _url(path, {"id": application}),
        content,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {staff_token}",
    )
    assert response.status_code < 500, (path, body, response.content[:300])


# Inputs found by hand rather than drawn: each once crashed a server (500) somewhere.
def _staff_post(client, path, token, content):
    return client.post(
        path, content, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.fixture
def manager_token(personas):
    return create_token(acting_user=None, user=personas["manager"], name="test")[1]


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("1e309", "n'est pas un montant en euros"),
        ("1e26", "n'est pas un montant en euros"),
        ("NaN", "n'est pas un montant en euros"),
        ("Infinity", "n'est pas un montant en euros"),
        ("100.000", "est ambigu"),
        ("100,000", "est ambigu"),
        ("1,234,567", "sépare les milliers"),
        ("12,3456", "plus de deux décimales"),
        ("1000000000000", "trop grand"),
        ("1" + "0" * 26, "trop grand"),
        ("-5", "ne peut pas être négatif"),
    ],
)
def test_an_absurd_amount_is_refused_in_french(
    client, call_2013, personas, manager_token, amount, reason
):
    application = submitted_application(call_2013, personas["applicant"])
    response = _staff_post(
        client,
        f"/api/v1/staff/applications/{application.pk}/status",
        manager_token,
        json.dumps({"status": "selected", "amount_eur": amount}),
    )
    assert response.status_code == 400  # the request is wrong, not the change: no 409
    assert "amount_eur" in response.json()["detail"] and reason in response.json()["detail"]
    assert not Grant.objects.exists()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ('{"note": "\\ud800"}', "caractère Unicode invalide"),
        ('{"note": "avant\\u0000après"}', "caractère nul"),
        ("[" * 5000 + "]" * 5000, "imbriqué trop profondément"),
        ('{"note": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}", "imbriqué trop profondément"),
    ],
    ids=["lone-surrogate", "nul", "deep-list", "deep-object"],
)
def test_a_body_the_database_cannot_store_is_a_json_400(
    client, call_2013, personas, staff_token, content, reason
):
    application = submitted_application(call_2013, personas["applicant"])
    response = _staff_post(
        client, f"/api/v1/staff/applications/{application.pk}/notes", staff_token, content
    )
    assert response.status_code == 400
    assert reason in response.json()["detail"]
    assert not AuditEvent.objects.filter(action="application.note").exists()


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/api/v1/calls", "GET"),
        ("put", "/api/v1/awards", "GET"),
        ("delete", "/api/openapi.json", "GET"),
        ("post", "/api/v1/staff/applications", "GET"),
        ("get", "/api/v1/staff/applications/1/status", "POST"),
        ("delete", "/api/v1/staff/applications/1/notes", "POST"),
    ],
)
def test_an_undeclared_method_is_a_json_405(db, personas, staff_token, method, path, allowed):
    browser = Client(enforce_csrf_checks=True)  # as a browser would: no CSRF page in the way
    browser.force_login(personas["instructor"])
    response = getattr(browser, method)(path, HTTP_AUTHORIZATION=f"Bearer {staff_token}")
    assert response.status_code == 405
    assert response["Allow"] == allowed
    assert "non prise en charge" in response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/nope",
        "/api/v2/calls",
        "/api/v1/calls/fablabs-2013/extra",
        "/api/v1/staff/applications/99999999999999999999/status",
        "/api/v1/staff/applications/9223372036854775808/notes",
    ],
)
def test_an_unknown_api_path_is_a_json_404(db, staff_token, path):
    browser = Client(enforce_csrf_checks=True)
    for response in (
        browser.get(path, HTTP_AUTHORIZATION=f"Bearer {staff_token}"),
        _staff_post(browser, path, staff_token, '{"note": "x"}'),
    ):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert "introuvable" in response.json()["detail"]
