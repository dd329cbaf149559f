"""Creating one's account (a fablab's manager, as an applicant) and confirming its address.

The answer is the same whether the address has an account or not: a known address receives a
mail saying so (with the way to sign in or reset), never a second account. The account stays
inactive until the link mailed to the address is used, once, within POLLEN_SIGNUP_CONFIRM_S.
"""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.links import make_token, read_token
from pollen.accounts.models import Organisation, Role, User, UserManager
from pollen.audit.services import record_event
from pollen.mailing.services import queue_mail

SALT = "pollen.accounts.sign_up"


def _state(user: User) -> str:
    """Changes when the account is confirmed or its password changes: the link then dies."""
    text = f"{user.pk}|{user.email}|{user.password}|{user.is_active}|{user.email_confirmed_at}"
    return salted_hmac(SALT, text, algorithm="sha256").hexdigest()[:32]


def confirmation_token(user: User) -> str:
    return make_token(SALT, u=user.pk, s=_state(user))


def _mail(user: User, template: str, subject: str, site: str, **context: object) -> None:
    body = render_to_string(f"accounts/{template}", {"user": user, "site": site, **context})
    queue_mail(recipients=[user.email], subject=subject, body=body)


def _send_confirmation(user: User, site: str) -> None:
    link = reverse("accounts:sign_up_confirm", args=[confirmation_token(user)])
    _mail(
        user,
        "sign_up_email.txt",
        _("Pollen : confirmez votre adresse pour activer votre compte"),
        site,
        link=f"{site}{link}",
        days=settings.SIGNUP_CONFIRM_S // 86400,
    )


@transaction.atomic
def sign_up(
    *, email: str, full_name: str, password: str, siret: str, legal_name: str, site: str
) -> None:
    """A new applicant and their organisation, inactive until the mailed link is used.

    `site` is the scheme and host the links in the mail start with. Returns nothing: what
    happened is for the mailbox's owner only.
    """
    email = UserManager.canonical_email(email)
    existing = User.objects.select_for_update().filter(email=email).first()
    if existing is not None:
        _tell_existing(existing, site)
        return
    organisation = Organisation.objects.create(legal_name=legal_name.strip(), siret=siret)
    user = User.objects.create_user(
        email,
        password,
        full_name=full_name.strip(),
        role=Role.APPLICANT,
        organisation=organisation,
        is_active=False,
    )
    record_event(
        actor=user,
        action="account.signed_up",
        obj=user,
        after={"organisation": organisation.pk, "siret": siret, "legal_name": legal_name},
    )
    _send_confirmation(user, site)


def _tell_existing(user: User, site: str) -> None:
    """A second sign-up with a known address: a new link if it was never confirmed, else a
    reminder that the account exists. Nothing about the account changes."""
    if not user.is_active and user.email_confirmed_at is None:
        _send_confirmation(user, site)
        action = "account.confirmation_sent_again"
    else:
        _mail(
            user,
            "sign_up_exists_email.txt",
            _("Pollen : vous avez déjà un compte"),
            site,
            login=f"{site}{reverse('accounts:login')}",
            reset=f"{site}{reverse('accounts:password_reset')}",
        )
        action = "account.sign_up_for_existing"
    record_event(actor=None, action=action, obj=user)


def account_to_confirm(token: str) -> User | None:
    """The account this link confirms, or None if it is forged, used or expired."""
    payload = read_token(SALT, token, settings.SIGNUP_CONFIRM_S)
    if payload is None:
        return None
    user = User.objects.filter(pk=payload.get("u", 0)).first()
    if user is None or user.email_confirmed_at is not None or payload.get("s") != _state(user):
        return None
    return user


@transaction.atomic
def confirm_email(*, token: str) -> User | None:
    """Activate the account the link names; None when the link no longer works."""
    found = account_to_confirm(token)
    if found is None:
        return None
    user = User.objects.select_for_update().get(pk=found.pk)
    if account_to_confirm(token) is None:  # a concurrent use won while we waited
        return None
    user.is_active = True
    user.email_confirmed_at = clock.now()
    user.save(update_fields=["is_active", "email_confirmed_at"])
    record_event(actor=user, action="account.email_confirmed", obj=user)
    return user
