"""Creating one's account at /inscription/: the SIRET checked (and looked up in a Sirene stub
on loopback), a confirmation link that works once and expires, one answer for any address."""

import datetime as dt
import json
import re
import threading
from html import unescape
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.cache import cache

from pollen import clock
from pollen.accounts.models import Role, User
from pollen.audit.models import AuditEvent
from pollen.demo.personas import DEMO_PASSWORD
from pollen.mailing.models import OutgoingMail

pytestmark = pytest.mark.django_db

SIGN_UP = "/inscription/"
SIRET = "73282932000074"  # a valid SIRET (Luhn)
PASSWORD = "une phrase de passe pour le fablab"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()  # the sign-up's throttle counts in the shared cache
    yield
    cache.clear()


def text(response):
    return unescape(response.content.decode())


def field_error(response, field):
    form = response.context.get("form") or response.context["siret_form"]
    return " ".join(form.errors.get(field, []))


def second_step(client, siret=SIRET):
    return client.post(SIGN_UP, {"etape": "structure", "siret": siret})


def sign_up(client, email="nouvelle@fablab.example", legal_name="Fablab des Lices", **extra):
    data = {
        "etape": "compte",
        "siret": SIRET,
        "legal_name": legal_name,
        "full_name": "Nina Lemaire",
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
    } | extra
    return client.post(SIGN_UP, data)


def confirmation_link(email="nouvelle@fablab.example"):
    mail = OutgoingMail.objects.filter(recipient=email).latest("pk")
    assert mail.subject == "Pollen : confirmez votre adresse pour activer votre compte"
    return re.search(r"https?://testserver(/\S+)", mail.body).group(1)


def sign_in(client, email, password=PASSWORD):
    return client.post("/connexion/", {"username": email, "password": password})


def test_it_is_linked_from_the_sign_in_page(client):
    page = text(client.get("/connexion/"))
    assert 'href="/inscription/"' in page and "Créer un compte" in page


def test_a_siret_whose_key_is_wrong_is_refused_at_its_field(client):
    response = second_step(client, "123 456 789 00010")
    assert response.status_code == 200
    assert "clé de contrôle (Luhn)" in field_error(response, "siret")
    assert 'aria-invalid="true"' in text(response)
    response = second_step(client, "1234")
    assert "exactement 14 chiffres" in field_error(response, "siret")


def test_the_second_step_checks_the_siret_again_and_the_password(client):
    response = sign_up(client, siret="12345678900010", password2="autre chose encore ici")
    assert "clé de contrôle" in field_error(response, "siret")
    assert "pas identiques" in field_error(response, "password2")
    response = sign_up(client, password1="court", password2="court")
    assert "trop court" in field_error(response, "password1")
    assert not User.objects.filter(email="nouvelle@fablab.example").exists()


def test_a_new_account_is_inactive_until_its_link_is_used_once(client):
    response = sign_up(client, email="Nouvelle@Fablab.example")
    assert response["Location"] == "/inscription/envoye/"
    assert "Vérifiez votre messagerie" in text(client.get(response["Location"]))
    user = User.objects.get(email="nouvelle@fablab.example")
    assert (user.is_active, user.role, user.email_confirmed_at) == (False, Role.APPLICANT, None)
    assert (user.organisation.siret, user.organisation.legal_name) == (SIRET, "Fablab des Lices")
    assert sign_in(client, user.email).status_code == 200  # refused: not active yet

    link = confirmation_link()
    assert "Confirmer mon adresse" in text(client.get(link))
    assert client.post(link)["Location"] == "/connexion/"
    user.refresh_from_db()
    assert user.is_active and user.email_confirmed_at is not None
    assert sign_in(client, user.email)["Location"] == "/espace/"
    actions = list(
        AuditEvent.objects.filter(object_id=str(user.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["account.signed_up", "account.email_confirmed"]

    client.logout()
    assert "Ce lien ne fonctionne plus" in text(client.get(link))
    assert "Ce lien ne fonctionne plus" in text(client.post(link))


def test_a_link_expires(client):
    sign_up(client)
    link = confirmation_link()
    later = clock.now() + dt.timedelta(days=2, minutes=1)
    with clock.override(later):
        assert "Ce lien ne fonctionne plus" in text(client.post(link))
    assert not User.objects.get(email="nouvelle@fablab.example").is_active


def test_a_forged_link_does_nothing(client):
    sign_up(client)
    link = confirmation_link()
    assert "Ce lien ne fonctionne plus" in text(client.post(link[:-3] + "xyz/"))


def test_the_answer_is_the_same_for_a_known_address(client, personas):
    known = sign_up(client, email="Applicant@Test.example")
    unknown = sign_up(client, email="inconnue@fablab.example")
    assert known["Location"] == unknown["Location"] == "/inscription/envoye/"
    assert User.objects.filter(email="applicant@test.example").count() == 1
    reminder = OutgoingMail.objects.get(recipient="applicant@test.example")
    assert reminder.subject == "Pollen : vous avez déjà un compte"
    assert "/mot-de-passe-oublie/" in reminder.body
    assert sign_in(client, "applicant@test.example", DEMO_PASSWORD).status_code == 302


def test_signing_up_again_before_confirming_sends_a_new_link(client):
    sign_up(client)
    sign_up(client, password1="un autre mot de passe long", password2="un autre mot de passe long")
    assert OutgoingMail.objects.filter(recipient="nouvelle@fablab.example").count() == 2
    client.post(confirmation_link())
    assert sign_in(client, "nouvelle@fablab.example")["Location"] == "/espace/"  # the first


def test_sign_ups_are_throttled_per_address(client, settings, one_window):
    settings.SIGNUPS_PER_HOUR = 2
    assert second_step(client).status_code == 200
    assert second_step(client).status_code == 200
    response = second_step(client)
    assert response.status_code == 429
    assert "Trop de demandes" in text(response)


class Sirene:
    """A stand-in for the « API Recherche d'entreprises » on loopback."""

    def __init__(self):
        self.asked: list[str] = []
        self.status = 200
        self.results = [
            {
                "siren": SIRET[:9],
                "nom_complet": "FABLAB (LES LICES)",
                "nom_raison_sociale": "LES LICES",
            }
        ]
        sirene = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                sirene.asked.append(self.path)
                body = json.dumps({"results": sirene.results, "total_results": 1}).encode()
                self.send_response(sirene.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/search"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sirene(settings):
    stub = Sirene()
    settings.SIRENE_URL = stub.url
    yield stub
    stub.close()


def test_the_directory_prefills_the_name(client, sirene):
    response = second_step(client, "732 829 320 00074")
    assert sirene.asked == [f"/search?q={SIRET}"]
    assert response.context["form"].initial == {"siret": SIRET, "legal_name": "LES LICES"}
    assert "Structure trouvée dans le répertoire Sirene" in text(response)


def test_a_siret_the_directory_does_not_know_is_typed(client, sirene):
    sirene.results = [{"siren": "999999999", "nom_complet": "AUTRE"}]
    response = second_step(client)
    assert response.context["form"].initial["legal_name"] == ""
    assert "ne connaît pas ce SIRET" in text(response)


def test_an_unreachable_directory_lets_the_name_be_typed(client, sirene):
    sirene.status = 503
    response = second_step(client)
    assert "ne répond pas pour le moment" in text(response)
    assert sign_up(client)["Location"] == "/inscription/envoye/"
    assert User.objects.get(email="nouvelle@fablab.example").organisation.legal_name == (
        "Fablab des Lices"
    )


def test_a_directory_that_is_down_is_unreachable_too(client, settings):
    settings.SIRENE_URL = "http://127.0.0.1:9/search"  # discard port: nobody listens
    assert "ne répond pas pour le moment" in text(second_step(client))


def test_the_new_applicant_describes_their_structure_before_applying(client, call_2013):
    sign_up(client)
    client.post(confirmation_link())
    sign_in(client, "nouvelle@fablab.example")
    response = client.get(f"/appels/{call_2013.slug}/candidater/")
    assert response["Location"].startswith("/espace/structure/")
    page = text(client.get("/espace/structure/"))
    assert "Fablab des Lices" in page and SIRET in page
