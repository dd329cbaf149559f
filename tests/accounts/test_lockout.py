"""Too many wrong passwords lock the sign-in: per account and address, and per address."""

import datetime as dt
import re
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from pollen.demo.personas import DEMO_PASSWORD
from pollen.mailing.models import OutgoingMail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une nouvelle phrase de passe 2013"


def sign_in(client, email, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, **extra
    )


def fail(client, email, times, **extra):
    return [sign_in(client, email, "pas le bon mot de passe", **extra) for _ in range(times)]


def text(response):
    return unescape(response.content.decode())


def test_it_locks_the_account_from_that_address_after_five_failures(client, personas):
    *before, fifth = fail(client, "applicant@test.example", 5)
    assert [r.status_code for r in before] == [200] * 4
    assert fifth.status_code == 429
    page = text(fifth)
    assert "la connexion est bloquée encore 15 minutes" in page
    assert "réinitialisez votre mot de passe" in page
    assert "demandez à un administrateur" in page
    # even the right password waits, and the address typed in capitals is the same account
    assert sign_in(client, "APPLICANT@test.example", DEMO_PASSWORD).status_code == 429
    # another account from the same address is not locked
    assert sign_in(client, "applicant-b@test.example", DEMO_PASSWORD).status_code == 302


def test_the_lock_ends_after_fifteen_minutes(client, personas):
    fail(client, "applicant@test.example", 5)
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    assert sign_in(client, "applicant@test.example", DEMO_PASSWORD).status_code == 302


def test_the_threshold_is_a_setting(client, personas, settings):
    settings.LOGIN_FAILURES = settings.AXES_FAILURE_LIMIT = 2
    assert [r.status_code for r in fail(client, "applicant@test.example", 2)] == [200, 429]


def test_one_address_trying_many_accounts_is_locked_for_all(client, personas, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    responses = [
        sign_in(client, f"inconnu-{n}@test.example", "pas le bon mot de passe") for n in range(8)
    ]
    assert [r.status_code for r in responses] == [200] * 7 + [429]
    assert sign_in(client, "applicant@test.example", DEMO_PASSWORD).status_code == 429
    other = sign_in(client, "applicant@test.example", DEMO_PASSWORD, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 302


def test_behind_a_proxy_it_counts_the_address_the_proxy_saw(client, personas, settings):
    settings.TRUSTED_PROXIES = 1
    fail(client, "applicant@test.example", 5, HTTP_X_FORWARDED_FOR="203.0.113.5")
    locked = sign_in(
        client, "applicant@test.example", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert locked.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.5"
    elsewhere = sign_in(
        client, "applicant@test.example", DEMO_PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6"
    )
    assert elsewhere.status_code == 302


def test_a_password_reset_unlocks_the_account(client, personas):
    fail(client, "applicant@test.example", 5)
    client.post(reverse("accounts:password_reset"), {"email": "applicant@test.example"})
    link = re.search(r"https?://testserver(/\S+)", OutgoingMail.objects.get().body).group(1)
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert not AccessAttempt.objects.filter(username="applicant@test.example").exists()
    assert sign_in(client, "applicant@test.example", NEW_PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(client, personas):
    fail(client, "applicant@test.example", 4)
    assert sign_in(client, "applicant@test.example", DEMO_PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "applicant@test.example", 1)[0].status_code == 200
