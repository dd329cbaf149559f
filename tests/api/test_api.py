"""The read API, the staff token API and the rate limit."""

import json

import pytest

from pollen.applications.models import Status
from pollen.audit.models import AuditEvent
from pollen.grants import services as grant_services
from tests.grants.helpers import DECIDED, awarded_grant, submitted_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    grant_services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    return grant


def test_the_openapi_document_lists_every_route(client, db):
    doc = client.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/v1/calls", "/api/v1/awards", "/api/v1/coverage", "/api/v1/places"} <= set(
        doc["paths"]
    )
    assert "Appels publiés" in client.get("/api/").content.decode()


def test_it_lists_the_published_calls_with_their_rules(client, call_2013):
    body = client.get("/api/v1/calls").json()
    assert body["count"] == 1 and body["page"] == 1
    call = client.get("/api/v1/calls/fablabs-2013").json()
    assert call["funder_siret"] == "11000201100044" and call["envelope_eur"] == "2000000.00"
    assert {"id": "subsidy_share", "kind": "subsidy_share"} in call["rules"]
    assert client.get("/api/v1/calls/nope").status_code == 404


def test_it_lists_signed_awards_with_filters(client, signed, call_2013, personas):
    unsigned = submitted_application(call_2013, personas["applicant"])
    grant_services.award_grant(
        acting_user=personas["manager"], application=unsigned, amount=grant_services.Decimal(60000)
    )
    body = client.get("/api/v1/awards").json()
    assert body["count"] == 1
    assert body["results"][0] == {
        "reference": signed.reference,
        "call": "fablabs-2013",
        "beneficiary": "Fablab de test",
        "beneficiary_siret": "73282932000074",
        "commune_insee": "35238",
        "object": "Équiper le fablab",
        "amount_eur": "70000.00",
        "agreement_date": "2013-10-15",
    }
    assert client.get("/api/v1/awards?region=53&year=2013").json()["count"] == 1
    assert client.get("/api/v1/awards?region=11").json()["count"] == 0


@pytest.mark.parametrize(
    "query", ["page=0", "page=abc", "page_size=101", "year=13", "year=x", "radius_km=0"]
)
def test_bad_parameters_get_a_french_400(client, db, query):
    path = "/api/v1/coverage" if query.startswith("radius") else "/api/v1/awards"
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400 and "paramètre" in response.json()["detail"]


def test_coverage_counts_people_near_funded_fablabs(client, signed):
    body = client.get("/api/v1/coverage?radius_km=20").json()
    assert body["available"] and body["funded_places"] == 1
    assert body["covered_population"] == 227830  # Rennes only, in the test territory
    assert body["by_region"]["53"]["covered_population"] == 227830


def test_places_come_from_the_directory(client, db):
    response = client.get("/api/v1/places")
    assert response.status_code == 200 and response.json()["count"] == 0


def test_the_staff_api_needs_a_staff_token(client, personas, call_2013):
    assert client.get("/api/v1/staff/applications").status_code == 401
    bad = client.get("/api/v1/staff/applications", HTTP_AUTHORIZATION="Bearer nope")
    assert bad.status_code == 401
    from pollen.api.auth import create_token

    _, applicant_key = create_token(acting_user=None, user=personas["applicant"], name="x")
    forbidden = client.get(
        "/api/v1/staff/applications", HTTP_AUTHORIZATION=f"Bearer {applicant_key}"
    )
    assert forbidden.status_code == 403


def _post(client, path, token, data):
    return client.post(
        path,
        json.dumps(data),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_staff_reopen_an_application_and_add_a_note(client, staff_token, call_2013, personas):
    application = submitted_application(call_2013, personas["applicant"])
    listing = client.get(
        "/api/v1/staff/applications?status=submitted", HTTP_AUTHORIZATION=f"Bearer {staff_token}"
    ).json()
    assert [a["id"] for a in listing["results"]] == [application.pk]
    base = f"/api/v1/staff/applications/{application.pk}"
    refused = _post(client, f"{base}/status", staff_token, {"status": "corrections"})
    assert refused.status_code == 409 and "corriger" in refused.json()["detail"]
    done = _post(client, f"{base}/status", staff_token, {"status": "corrections", "message": "RIB"})
    assert done.status_code == 200 and done.json()["status"] == Status.CORRECTIONS
    note = _post(client, f"{base}/notes", staff_token, {"note": "Appel au porteur le 2/10."})
    assert note.status_code == 201
    event = AuditEvent.objects.get(action="application.note")
    assert event.actor == personas["instructor"] and event.note == "Appel au porteur le 2/10."
    assert _post(client, f"{base}/status", staff_token, {"status": "draft"}).status_code == 409
    assert (
        _post(
            client, "/api/v1/staff/applications/999999/notes", staff_token, {"note": "x"}
        ).status_code
        == 404
    )


def test_the_rate_limit_answers_429_past_the_limit(client, db, settings, one_window):
    settings.POLLEN_API_RATE_LIMIT = 3
    codes = [client.get("/api/v1/calls").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/calls")
    assert (
        int(response["Retry-After"]) == 30 and "au plus 3 par minute" in response.json()["detail"]
    )
