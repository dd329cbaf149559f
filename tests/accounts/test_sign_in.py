"""Signing in with the address however it is typed; passwords long, uncommon and personal-free."""

from html import unescape

import pytest
from django.contrib.auth.password_validation import validate_password
from django.urls import reverse

from pollen.accounts.models import User
from pollen.demo.personas import DEMO_PASSWORD

ADD_USER = "/admin/accounts/user/add/"
GOOD_PASSWORD = "un mot de passe solide 2013"


def sign_in(client, email, password=DEMO_PASSWORD):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


@pytest.mark.parametrize(
    "typed", ["Applicant@Test.example", "APPLICANT@TEST.EXAMPLE", " applicant@test.Example "]
)
def test_it_signs_in_whatever_the_case_of_the_address(client, personas, typed):
    response = sign_in(client, typed)
    assert response.status_code == 302
    assert client.get(reverse("dashboard:index")).context["user"] == personas["applicant"]


def test_a_wrong_password_is_still_refused_whatever_the_case(client, personas):
    response = sign_in(client, "Applicant@Test.example", "pas le bon mot de passe")
    assert response.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in unescape(response.content.decode())


def add_user(client, email, password):
    return client.post(
        ADD_USER,
        {"email": email, "role": "applicant", "password1": password, "password2": password},
    )


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("court2013", "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères."),
        ("password1234", "Ce mot de passe est trop courant."),
        (
            "Camille.Martin@Test.example",
            "Le mot de passe est trop semblable au champ\xa0«\xa0adresse",
        ),
    ],
)
def test_the_admin_cannot_give_a_weak_password(client, personas, password, reason):
    client.force_login(personas["admin"])
    response = add_user(client, "Camille.Martin@Test.example", password)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["password2"])
    assert reason.replace("\xa0", " ") in errors.replace("\xa0", " ")
    assert not User.objects.filter(email="camille.martin@test.example").exists()


def test_an_account_the_admin_creates_signs_in_with_any_case(client, personas):
    client.force_login(personas["admin"])
    assert add_user(client, "Camille.Martin@Test.example", GOOD_PASSWORD).status_code == 302
    user = User.objects.get(email="camille.martin@test.example")  # stored lower-case
    client.logout()
    assert sign_in(client, "camille.MARTIN@test.example", GOOD_PASSWORD).status_code == 302
    assert client.get(reverse("dashboard:index")).context["user"] == user


def test_the_demo_password_would_pass_the_rules(personas):
    for user in personas.values():
        validate_password(DEMO_PASSWORD, user)  # raises if a rule refused it
