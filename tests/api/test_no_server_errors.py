"""Property test: requests generated from the OpenAPI document never get a 5xx.

Beside schemathesis (test_schemathesis.py), Hypothesis draws parameters from each operation's own schema,
valid and invalid alike, for every path of the document.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pollen.api.openapi import document
from tests.grants.helpers import awarded_grant

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
