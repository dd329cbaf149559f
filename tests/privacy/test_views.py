"""The privacy notice, downloading one's data and closing one's account, as a person would."""

import datetime as dt
import io
import json
import zipfile

import pytest
from django.urls import reverse

from pollen import clock
from pollen.accounts.models import Session, User
from pollen.applications.models import Application
from pollen.audit.models import AuditEvent
from pollen.demo.personas import DEMO_PASSWORD
from tests.builders import eligible_draft, organisation_for
from tests.grants.helpers import submitted_application

pytestmark = pytest.mark.django_db


def test_the_privacy_notice_is_linked_from_every_page_footer(client, call_2013, settings):
    settings.DPO_EMAIL = "dpo@region.example"
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("privacy:notice")}"' in home
    page = client.get(reverse("privacy:notice"))
    assert page.status_code == 200
    text = page.content.decode()
    for words in ("mission de service public", "CNIL", "dpo@region.example", "rectification"):
        assert words in text
    assert "Aide au développement des ateliers de fabrication numérique" in text  # per call
    assert "24 mois après la décision" in text


def test_the_jam_registration_and_a_new_application_link_to_the_notice(client, call_2013, personas):
    from tests.jam.conftest import make_jam

    jam = make_jam("bercy", personas["manager"])
    register = client.get(reverse("jam:register", args=[jam.slug])).content.decode()
    assert reverse("privacy:notice") in register.split("<footer")[0]
    organisation_for(personas["applicant"])
    client.force_login(personas["applicant"])
    with clock.override(call_2013.closes_at - dt.timedelta(days=3)):  # the form is shown
        new = client.get(reverse("applications:new", args=[call_2013.slug])).content.decode()
    assert reverse("privacy:notice") in new.split("<footer")[0]


@pytest.fixture
def two_applicants(call_2013, personas):
    mine = submitted_application(call_2013, personas["applicant"])
    Application.objects.filter(pk=mine.pk).update(title="Mon atelier laser")
    theirs = submitted_application(
        call_2013, personas["applicant_b"], siret="44306184100047", commune="29019"
    )
    Application.objects.filter(pk=theirs.pk).update(title="Leur fabrique à Brest")
    return mine, theirs


def test_the_data_download_holds_my_applications_and_not_others(client, personas, two_applicants):
    mine, _theirs = two_applicants
    client.force_login(personas["applicant"])
    assert client.get(reverse("dashboard:index")).content.decode().count(reverse("privacy:my_data"))
    response = client.get(reverse("privacy:download"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == personas["applicant"].email
    assert [a["id"] for a in data["applications"]] == [mine.pk]
    assert data["applications"][0]["title"] == "Mon atelier laser"
    assert data["applications"][0]["submissions"][0]["receipt"]
    assert "Leur fabrique à Brest" not in response.content.decode()
    assert any(m["subject"].startswith("Accusé de réception") for m in data["mails"])


def test_the_zip_holds_the_json_and_my_documents(client, personas, two_applicants):
    mine, _theirs = two_applicants
    client.force_login(personas["applicant"])
    response = client.get(reverse("privacy:download") + "?format=zip")
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "donnees.json" in names
    documents = [n for n in names if n.startswith("documents/")]
    assert documents and all(n.startswith(f"documents/{mine.pk}/") for n in documents)
    first = mine.documents.order_by("pk").first()
    with first.file.open("rb") as handle:
        assert archive.read(next(n for n in documents if f"/{first.pk}-" in n)) == handle.read()


def test_a_visitor_is_sent_to_sign_in(client):
    for name in ("privacy:my_data", "privacy:download", "privacy:close_account"):
        assert client.get(reverse(name))["Location"].startswith(reverse("accounts:login"))


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_closing_with_a_wrong_password_is_refused(client, personas):
    user = personas["applicant"]
    _signed_in(client, user)
    response = client.post(
        reverse("privacy:close_account"), {"password": "not-my-password", "understood": "on"}
    )
    assert response.status_code == 200
    assert "Mot de passe incorrect" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.email == "applicant@test.example"
    assert not AuditEvent.objects.filter(action="account.closed").exists()
    assert client.get(reverse("dashboard:index")).status_code == 200  # still signed in


def test_closing_my_account_keeps_submissions_deletes_drafts_and_signs_me_out(
    client, call_2013, personas
):
    user = personas["applicant"]
    submitted = submitted_application(call_2013, user)
    draft = eligible_draft(call_2013, user)
    _signed_in(client, user)
    other_device = _signed_in(type(client)(), user)
    assert Session.objects.filter(user=user).count() == 2
    response = client.post(
        reverse("privacy:close_account"), {"password": DEMO_PASSWORD, "understood": "on"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = User.objects.get(pk=user.pk)
    assert not user.is_active and not user.has_usable_password()
    assert user.email == f"compte-ferme-{user.pk}@pollen.invalid" and user.full_name == ""
    assert user.organisation is None
    assert not Session.objects.filter(user=user).exists()
    assert not Application.objects.filter(pk=draft.pk).exists()
    kept = Application.objects.get(pk=submitted.pk)
    assert kept.submissions.exists() and kept.created_by_id == user.pk
    event = AuditEvent.objects.get(action="account.closed")
    assert event.object_id == str(user.pk) and event.after["drafts_deleted"] == 1
    for device in (client, other_device):
        assert device.get(reverse("dashboard:index"))["Location"].startswith(
            reverse("accounts:login")
        )
    assert not user.check_password(DEMO_PASSWORD)  # nobody signs in with it again


def test_a_staff_member_closes_their_account_the_same_way(client, personas):
    user = personas["instructor"]
    _signed_in(client, user)
    response = client.post(
        reverse("privacy:close_account"), {"password": DEMO_PASSWORD, "understood": "on"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active and not user.is_programme_staff
