"""The programme wall's helper: who belongs to which programme, and what they may reach."""

import pytest
from django.urls import reverse

from pollen.accounts.models import User
from pollen.applications.models import Application
from pollen.calls.models import Call, Programme
from pollen.programmes import (
    for_staff,
    forget_programmes,
    in_programme,
    is_platform_wide,
    programme_wall,
    programmes_of,
)
from tests.builders import eligible_draft, organisation_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_calls(call_2013, other_programme, personas):
    organisation_for(personas["applicant"], name="Fablab de Rennes")
    a = eligible_draft(call_2013, personas["applicant"])
    return call_2013, other_programme["call"], a


def test_it_lists_the_programmes_of_a_staff_member(two_calls, personas):
    call, other, _a = two_calls
    assert programmes_of(personas["instructor"]) == {call.programme_id}
    assert programmes_of(personas["instructor_b"]) == {other.programme_id}
    assert programmes_of(personas["applicant"]) == frozenset()


def test_it_lets_staff_reach_only_their_programmes_calls(two_calls, personas):
    call, other, _a = two_calls
    for name in ("instructor", "expert", "committee", "manager", "finance"):
        assert in_programme(personas[name], call) and not in_programme(personas[name], other)
        assert not programme_wall(personas[name], other)
        assert programme_wall(personas[name], other).reason
    assert in_programme(personas["manager_b"], other) and not in_programme(
        personas["manager_b"], call
    )


def test_it_lets_the_administrator_reach_every_programme(two_calls, personas):
    call, other, _a = two_calls
    admin = personas["admin"]
    assert is_platform_wide(admin) and not is_platform_wide(personas["manager"])
    assert in_programme(admin, call) and in_programme(admin, other)
    assert for_staff(Call.objects.all(), admin, path="programme").count() == 2


def test_it_filters_a_queryset_to_the_users_programmes(two_calls, personas):
    call, other, a = two_calls
    qs = Application.objects.all()
    assert list(for_staff(qs, personas["instructor"])) == [a]
    assert list(for_staff(qs, personas["instructor_b"])) == []
    calls = Call.objects.all()
    assert list(for_staff(calls, personas["instructor_b"], path="programme")) == [other]
    programmes = Programme.objects.all()
    assert list(for_staff(programmes, personas["finance"], path="pk")) == [call.programme]


def test_a_staff_member_without_programme_reaches_nothing(two_calls, personas, client):
    call, _other, _a = two_calls
    instructor = personas["instructor"]
    instructor.programmes.clear()
    forget_programmes(instructor)
    assert not in_programme(instructor, call)
    assert not for_staff(Application.objects.all(), instructor).exists()
    client.force_login(instructor)
    dashboard = client.get(reverse("dashboard:index")).content.decode()
    assert "rattaché(e) à aucun programme" in dashboard


def test_the_dashboard_names_the_staff_members_programmes(two_calls, personas, client):
    client.force_login(personas["manager_b"])
    page = client.get(reverse("dashboard:index")).content.decode()
    assert "Programme régional fabrication numérique" in page


def test_the_administrator_gives_a_new_staff_account_its_programme(client, two_calls, personas):
    _call, other, _a = two_calls
    client.force_login(personas["admin"])
    password = "une phrase de passe assez longue"
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "email": "nouvelle.instructrice@test.example",
            "role": "instructor",
            "programmes": [other.programme_id],
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 302
    added = User.objects.get(email="nouvelle.instructrice@test.example")
    assert programmes_of(added) == {other.programme_id}
    page = client.get(f"/admin/accounts/user/{added.pk}/change/").content.decode()
    assert 'name="programmes"' in page
