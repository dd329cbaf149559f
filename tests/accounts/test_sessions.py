"""Sessions and the signed-in user are read with plain SQL: still revocable, still checked."""

import datetime as dt

import pytest
from django.contrib.auth import SESSION_KEY, get_user
from django.test import RequestFactory
from django.urls import reverse

from pollen.accounts.models import Session, User
from pollen.accounts.sessions import SessionStore, UserBackend
from pollen.demo.personas import DEMO_PASSWORD

DASHBOARD = "dashboard:index"


def signed_in(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert client.get(reverse(DASHBOARD)).status_code == 200
    return client.cookies["sessionid"].value


def is_signed_in(client) -> bool:
    return client.get(reverse(DASHBOARD)).status_code == 200


def test_a_signed_in_applicant_stays_signed_in(client, personas):
    signed_in(client, personas["applicant"])
    assert is_signed_in(client)
    assert client.get(reverse(DASHBOARD)).context["user"] == personas["applicant"]


def test_a_session_cookie_is_worthless_after_logout(client, personas):
    key = signed_in(client, personas["applicant"])
    client.post(reverse("accounts:logout"))
    client.cookies["sessionid"] = key  # replayed by whoever kept it
    assert not is_signed_in(client)
    assert not Session.objects.filter(session_key=key).exists()


def test_an_expired_session_signs_out(client, personas):
    key = signed_in(client, personas["applicant"])
    Session.objects.filter(session_key=key).update(
        expire_date=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    )
    assert not is_signed_in(client)


@pytest.mark.parametrize("change", ["deactivated", "password changed"])
def test_a_deactivated_account_or_a_new_password_signs_out(client, personas, change):
    user = personas["applicant"]
    signed_in(client, user)
    if change == "deactivated":
        user.is_active = False
    else:
        user.set_password("un tout autre mot de passe")
    user.save()
    assert not is_signed_in(client)


def test_a_session_records_whose_it_is_and_goes_with_the_account(client, personas):
    key = signed_in(client, personas["applicant"])
    assert Session.objects.get(session_key=key).user == personas["applicant"]
    User.objects.filter(pk=personas["applicant"].pk).delete()
    assert not Session.objects.filter(session_key=key).exists()
    assert not is_signed_in(client)


def test_a_signed_in_request_reads_the_session_and_the_user_in_one_query(
    client, personas, django_assert_num_queries
):
    key = signed_in(client, personas["applicant"])
    request = RequestFactory().get("/")
    request.session = SessionStore(key)
    with django_assert_num_queries(1):
        assert get_user(request) == personas["applicant"]


def test_the_user_read_with_a_session_serves_only_that_user(personas):
    store = SessionStore()
    store[SESSION_KEY] = str(personas["applicant"].pk)
    store.save(must_create=True)
    SessionStore(store.session_key).load()  # the applicant's row is now at hand
    other = UserBackend().get_user(personas["instructor"].pk)
    assert other == personas["instructor"]
    # Taken once: the next get_user reads the database again.
    assert UserBackend().get_user(personas["applicant"].pk) == personas["applicant"]
