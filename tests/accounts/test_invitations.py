"""A programme's manager invites someone into the team by mail; the link, used once, gives that
role on that programme, and nowhere else."""

import re
from html import unescape

import pytest
from django.urls import reverse

from pollen.accounts import invitations
from pollen.accounts.models import Invitation, Role, User
from pollen.audit.models import AuditEvent
from pollen.demo.personas import PROGRAMME_2013
from pollen.mailing.models import OutgoingMail
from pollen.permissions import Refused

pytestmark = pytest.mark.django_db

PASSWORD = "une phrase de passe pour instruire"


def text(response):
    return unescape(response.content.decode())


def page_of(programme_):
    return reverse("accounts:programme_invitations", args=[programme_.pk])


def invite(
    client, manager, programme_, email="nouvel-instructeur@region.example", role="instructor"
):
    client.force_login(manager)
    response = client.post(page_of(programme_), {"email": email, "role": role})
    client.logout()
    return response


def link_for(email="nouvel-instructeur@region.example"):
    mail = OutgoingMail.objects.filter(recipient=email).latest("pk")
    assert "invitation dans l'équipe du programme" in mail.subject
    return re.search(r"https?://testserver(/\S+)", mail.body).group(1)


def test_the_manager_invites_and_the_invitee_joins_the_programme(client, call_2013, personas):
    manager = personas["manager"]
    ours = call_2013.programme
    client.force_login(manager)
    assert page_of(ours) in text(client.get("/espace/"))
    assert "Inviter dans l'équipe" in text(client.get(page_of(ours)))
    client.logout()
    response = invite(client, manager, ours, email="Nouvel-Instructeur@Region.example")
    assert response["Location"] == page_of(ours)
    link = link_for()

    page = text(client.get(link))
    assert "Choisissez votre mot de passe" in page
    weak = client.post(link, {"full_name": "Io", "password1": "court", "password2": "court"})
    assert "trop court" in " ".join(weak.context["form"].errors["password1"])
    done = client.post(
        link, {"full_name": "Iris Morvan", "password1": PASSWORD, "password2": PASSWORD}
    )
    assert done["Location"] == "/espace/"

    user = User.objects.get(email="nouvel-instructeur@region.example")
    assert user.role == Role.INSTRUCTOR and user.email_confirmed_at is not None
    assert list(user.programmes.all()) == [ours]
    # staff: the second factor's enrolment comes first, then the programme's pages
    assert client.get("/espace/")["Location"].startswith("/connexion/code/")
    client.force_login(user)
    assert client.get(reverse("instruction:list", args=[call_2013.slug])).status_code == 200
    actions = AuditEvent.objects.filter(object_type="accounts.invitation").order_by("pk")
    assert [e.action for e in actions] == ["invitation.sent", "invitation.accepted"]
    assert actions[0].actor == manager and actions[1].actor == user


def test_a_used_link_is_refused(client, call_2013, personas):
    invite(client, personas["manager"], call_2013.programme)
    link = link_for()
    client.post(link, {"full_name": "Iris", "password1": PASSWORD, "password2": PASSWORD})
    client.logout()
    assert "Ce lien d'invitation ne fonctionne plus" in text(client.get(link))
    again = client.post(link, {"full_name": "Autre", "password1": PASSWORD, "password2": PASSWORD})
    assert "Ce lien d'invitation ne fonctionne plus" in text(again)
    assert User.objects.filter(email="nouvel-instructeur@region.example").count() == 1


def test_another_programmes_manager_cannot_invite_into_it(client, call_2013, other_programme):
    stranger = other_programme["staff"]["manager_b"]
    response = invite(client, stranger, call_2013.programme)
    assert response.status_code == 403
    assert not Invitation.objects.exists() and not OutgoingMail.objects.exists()
    with pytest.raises(Refused):
        invitations.invite(
            acting_user=stranger,
            programme=call_2013.programme,
            email="x@region.example",
            role=Role.INSTRUCTOR,
            site="http://testserver",
        )
    # and into their own, yes
    assert invite(client, stranger, other_programme["programme"]).status_code == 302


@pytest.mark.parametrize("persona", ["applicant", "instructor", "expert", "committee", "finance"])
def test_only_a_manager_invites(client, call_2013, personas, persona):
    assert invite(client, personas[persona], call_2013.programme).status_code == 403


def test_a_manager_invites_no_other_manager(client, call_2013, personas):
    response = invite(client, personas["manager"], call_2013.programme, role="manager")
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_an_existing_account_signs_in_then_accepts(client, call_2013, other_programme, personas):
    expert = personas["expert"]  # already an expert of the 2013 programme
    invite(
        client,
        other_programme["staff"]["manager_b"],
        other_programme["programme"],
        email=expert.email,
        role="expert",
    )
    link = link_for(expert.email)
    page = text(client.get(link))
    assert "Un compte existe pour cette adresse" in page
    assert client.post(link).status_code == 200  # nothing happens without signing in
    client.force_login(expert)
    assert client.post(link)["Location"] == "/espace/"
    assert set(expert.programmes.values_list("slug", flat=True)) == {
        PROGRAMME_2013,
        other_programme["programme"].slug,
    }


def test_an_account_with_another_role_keeps_it(client, call_2013, personas):
    invite(client, personas["manager"], call_2013.programme, email="committee@test.example")
    link = link_for("committee@test.example")
    client.force_login(personas["committee"])
    assert "un compte n'a qu'un rôle" in text(client.get(link))
    client.post(link)
    committee = User.objects.get(email="committee@test.example")
    assert committee.role == Role.COMMITTEE
    assert Invitation.objects.get().accepted_at is None


def test_the_link_is_for_the_invited_address_only(client, call_2013, personas):
    invite(client, personas["manager"], call_2013.programme)
    link = link_for()
    client.force_login(personas["applicant_b"])
    assert "Cette invitation est adressée à" in text(client.get(link))
    client.post(link)
    assert Invitation.objects.get().accepted_at is None
    assert personas["applicant_b"].role == Role.APPLICANT


def test_a_programme_that_does_not_exist_is_a_404(client, personas):
    client.force_login(personas["manager"])
    assert client.get("/espace/programmes/999999/invitations/").status_code == 404
