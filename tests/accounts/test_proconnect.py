"""ProConnect: the whole authorization-code flow against a real OpenID Connect provider run by
the test on loopback (oidc-provider-mock), ending signed in; off, with no button, unless set."""

from html import unescape
from urllib.parse import urlsplit

import httpx
import pytest
from oidc_provider_mock import run_server_in_thread

from pollen.accounts import proconnect
from pollen.accounts.models import Role, User
from pollen.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

START = "/connexion/proconnect/"
BACKEND = "pollen.accounts.proconnect.ProConnectBackend"


def text(response):
    return unescape(response.content.decode())


@pytest.fixture(scope="module")
def provider():
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def proconnect_on(settings, provider):
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = provider
    settings.OIDC_RP_CLIENT_ID = "pollen-tests"
    settings.OIDC_RP_CLIENT_SECRET = "not-a-secret"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    proconnect.forget_discovery()
    yield provider
    proconnect.forget_discovery()


def through_proconnect(client, email, start=START):
    """Pollen → the provider (its form: the subject typed, « Authorize ») → back to Pollen."""
    to_provider = client.get(start)
    assert to_provider.status_code == 302
    authorize = to_provider["Location"]
    assert authorize.startswith(proconnect.get_setting("OIDC_OP_AUTHORIZATION_ENDPOINT"))
    assert httpx.get(authorize).status_code == 200  # the provider's own sign-in form
    back = httpx.post(authorize, data={"sub": email})
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/connexion/proconnect/retour/"
    return client.get(f"{callback.path}?{callback.query}")


def test_it_is_off_without_its_settings(client):
    assert "ProConnect" not in text(client.get("/connexion/"))
    assert client.get(START).status_code == 404
    assert client.get("/connexion/proconnect/retour/?code=x&state=y").status_code == 404


def test_the_button_shows_when_it_is_configured(client, proconnect_on):
    page = text(client.get("/connexion/?next=/espace/"))
    assert "S'identifier avec ProConnect" in page
    assert 'href="/connexion/proconnect/?next=/espace/"' in page


def test_a_new_person_becomes_an_applicant_without_staff_role(client, proconnect_on):
    signed_in = through_proconnect(client, "Agent.Public@Ministere.example")
    assert signed_in.status_code == 302 and signed_in["Location"] == "/espace/"
    user = User.objects.get(email="agent.public@ministere.example")
    assert user.role == Role.APPLICANT and not user.programmes.exists()
    assert not (user.is_staff or user.is_superuser or user.has_usable_password())
    assert client.get("/espace/").status_code == 200
    event = AuditEvent.objects.get(action="account.created_by_proconnect")
    assert event.object_id == str(user.pk)
    client.logout()
    through_proconnect(client, "agent.public@ministere.example")  # the same account again
    assert User.objects.filter(email__iexact="agent.public@ministere.example").count() == 1


def test_an_existing_account_is_found_by_its_address(client, personas, proconnect_on):
    response = through_proconnect(client, "APPLICANT@test.example", start=f"{START}?next=/appels/")
    assert response["Location"] == "/appels/"
    assert client.session["_auth_user_id"] == str(personas["applicant"].pk)
    assert not AuditEvent.objects.filter(action="account.created_by_proconnect").exists()


def test_staff_still_give_pollens_second_factor(client, personas, proconnect_on):
    through_proconnect(client, "instructor@test.example")
    assert client.session["_auth_user_id"] == str(personas["instructor"].pk)
    assert client.get("/espace/")["Location"].startswith("/connexion/code/")


def test_an_inactive_account_is_not_signed_in(client, personas, proconnect_on):
    User.objects.filter(pk=personas["applicant"].pk).update(is_active=False)
    response = through_proconnect(client, "applicant@test.example")
    assert response["Location"] == "/connexion/"
    assert "_auth_user_id" not in client.session
    assert "n'a pas abouti" in text(client.get("/connexion/"))


def test_a_password_sign_in_still_works_when_it_is_on(client, personas, proconnect_on):
    from pollen.demo.personas import DEMO_PASSWORD

    response = client.post(
        "/connexion/", {"username": "applicant@test.example", "password": DEMO_PASSWORD}
    )
    assert response["Location"] == "/espace/"
