"""A programme's manager invites an instructor, an expert or a committee member by mail; the
signed link, used once within POLLEN_INVITATION_S, gives that role on that programme.

Accepting creates the account (the link proves the address) or, when the address already has
one, needs that account signed in. One role per account (decision 0011): an account with
another role keeps it and is refused, except a bare applicant's (no organisation yet: an agent
who first came through ProConnect), which takes the invited role.
"""

from types import SimpleNamespace

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.links import make_token, read_token
from pollen.accounts.models import INVITABLE_ROLES, Invitation, Role, User, UserManager
from pollen.audit.services import record_event
from pollen.calls.models import Programme
from pollen.mailing.services import queue_mail
from pollen.permissions import ALLOWED, Decision, Refused, require
from pollen.programmes import forget_programmes, in_programme

SALT = "pollen.accounts.invitation"


def can_invite(user: User, programme: Programme) -> Decision:
    """The programme's own manager (or an administrator) builds its team."""
    if not (user.is_authenticated and user.has_role(Role.MANAGER, Role.ADMIN)):
        return Decision(False, _("Seul le responsable du programme invite dans son équipe."))
    if not in_programme(user, SimpleNamespace(programme_id=programme.pk)):
        return Decision(False, _("Ce programme n'est pas le vôtre : vous n'y invitez personne."))
    return ALLOWED


def invitations_of(programme: Programme) -> QuerySet[Invitation]:
    return Invitation.objects.filter(programme=programme).select_related(
        "invited_by", "accepted_by"
    )


def invitation_token(invitation: Invitation) -> str:
    return make_token(SALT, i=invitation.pk, e=invitation.email)


@transaction.atomic
def invite(
    *, acting_user: User, programme: Programme, email: str, role: str, site: str
) -> Invitation:
    """Record the invitation and mail its link (`site`: the scheme and host links start with)."""
    require(can_invite(acting_user, programme))
    if role not in INVITABLE_ROLES:
        raise Refused(_("On n'invite qu'un instructeur, un expert ou un membre du comité."))
    invitation = Invitation.objects.create(
        programme=programme,
        email=UserManager.canonical_email(email),
        role=role,
        invited_by=acting_user,
        created_at=clock.now(),
    )
    record_event(
        actor=acting_user,
        action="invitation.sent",
        obj=invitation,
        after={"email": invitation.email, "role": role, "programme": programme.pk},
    )
    link = reverse("accounts:invitation_accept", args=[invitation_token(invitation)])
    body = render_to_string(
        "accounts/invitation_email.txt",
        {
            "invitation": invitation,
            "link": f"{site}{link}",
            "days": settings.INVITATION_S // 86400,
        },
    )
    subject = _("Pollen : invitation dans l'équipe du programme « %(programme)s »") % {
        "programme": programme.name
    }
    queue_mail(recipients=[invitation.email], subject=subject, body=body)
    return invitation


def invitation_from(token: str) -> Invitation | None:
    """The invitation this link carries, or None if it is forged, expired or already used."""
    payload = read_token(SALT, token, settings.INVITATION_S)
    if payload is None:
        return None
    return (
        Invitation.objects.select_related("programme")
        .filter(pk=payload.get("i", 0), email=payload.get("e"), accepted_at__isnull=True)
        .first()
    )


def account_for(invitation: Invitation) -> User | None:
    return User.objects.filter(email=invitation.email).first()


def can_accept(user: User, invitation: Invitation) -> Decision:
    """Only the invited address's own account, if its role allows."""
    if user.email != invitation.email:
        return Decision(
            False,
            _("Cette invitation est adressée à %(email)s : connectez-vous avec ce compte.")
            % {"email": invitation.email},
        )
    bare_applicant = (
        user.role == Role.APPLICANT
        and user.organisation_id is None
        and not (user.is_staff or user.is_superuser)
    )
    if user.role != invitation.role and not bare_applicant:
        return Decision(
            False,
            _(
                "Votre compte a déjà le rôle « %(role)s » : un compte n'a qu'un rôle. "
                "Demandez une invitation à une autre adresse."
            )
            % {"role": user.get_role_display()},
        )
    return ALLOWED


@transaction.atomic
def accept_invitation(
    *, acting_user: User | None, token: str, full_name: str = "", password: str = ""
) -> User:
    """The invited role on the programme, for the signed-in account or a new one."""
    found = invitation_from(token)
    if found is None:
        raise Refused(_("Ce lien d'invitation ne fonctionne plus : il a déjà servi ou expiré."))
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.accepted_at is not None:
        raise Refused(_("Ce lien d'invitation ne fonctionne plus : il a déjà servi ou expiré."))
    created = acting_user is None or not acting_user.is_authenticated
    if created:
        if account_for(invitation) is not None:
            raise Refused(_("Un compte existe pour cette adresse : connectez-vous d'abord."))
        user = User.objects.create_user(
            invitation.email,
            password,
            full_name=full_name.strip(),
            role=invitation.role,
            email_confirmed_at=clock.now(),
        )
    else:
        assert acting_user is not None
        require(can_accept(acting_user, invitation))
        user = acting_user
        if user.role != invitation.role:
            user.role = invitation.role
            user.save(update_fields=["role"])
    user.programmes.add(invitation.programme)
    forget_programmes(user)
    invitation.accepted_by, invitation.accepted_at = user, clock.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    record_event(
        actor=user,
        action="invitation.accepted",
        obj=invitation,
        after={
            "user": user.pk,
            "role": invitation.role,
            "programme": invitation.programme_id,
            "account_created": created,
        },
    )
    return user
