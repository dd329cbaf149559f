"""The second factor of every role but the applicant's: a TOTP app (django-otp), ten single-use
backup codes, enrolment at the first sign-in, and a reset by an administrator."""

import re
from base64 import b32encode
from binascii import unhexlify

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollen.accounts.models import Role, Session, User
from pollen.accounts.reauth import mark_confirmed
from pollen.audit.services import record_event
from pollen.permissions import Decision, require

BACKUP_CODES = 10
APP_NAME = "Application d'authentification"
BACKUP_NAME = "Codes de secours"
TOTP_SHAPE = re.compile(r"^\d{6}$")


def needs_second_factor(user: object) -> bool:
    """Every role but the applicant's, and anyone with admin rights (POLLEN_STAFF_2FA)."""
    if not settings.STAFF_2FA or not getattr(user, "is_authenticated", False):
        return False
    assert isinstance(user, User)
    return user.role != Role.APPLICANT or user.is_staff or user.is_superuser


def is_verified(request: HttpRequest) -> bool:
    """This session gave a code (the device's id is kept in the server-side session)."""
    return DEVICE_ID_SESSION_KEY in request.session


def has_confirmed_device(user: User) -> bool:
    confirmed: bool = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    return confirmed


def pending_device(user: User) -> TOTPDevice:
    """The device being enrolled: the same key until it is confirmed (a reload shows it again)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def text_key(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed: base32, in groups of four."""
    key = b32encode(unhexlify(device.key)).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG (no style attribute, no script: the CSP)."""
    qr = segno.make(device.config_url, error="m")
    return str(qr.svg_inline(scale=4, title=_("Code QR à scanner"), dark="#000", light="#fff"))


def _clean(code: str) -> str:
    return re.sub(r"\s+", "", code or "").lower()


def verify_code(user: User, code: str) -> TOTPDevice | StaticDevice | None:
    """The device that accepts this code: six digits for the app, otherwise a backup code
    (used once, then gone). Each device slows down after failures (django-otp's throttling)."""
    code = _clean(code)
    if TOTP_SHAPE.match(code):
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_token(code):
                return device
        return None
    for static in StaticDevice.objects.filter(user=user, confirmed=True):
        if static.verify_token(code):
            record_event(actor=user, action="account.backup_code_used", obj=user)
            return static
    return None


def signed_in_with(request: HttpRequest, device: TOTPDevice | StaticDevice) -> None:
    """The session is verified, and the confirmation is recent (sensitive actions)."""
    otp_login(request, device)
    mark_confirmed(request)


@transaction.atomic
def confirm_enrolment(*, acting_user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """The first code from the app confirms the device; the backup codes are made then.

    Returns the backup codes (to be shown once), or None if the code is wrong.
    """
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=acting_user)
    if not TOTP_SHAPE.match(_clean(code)) or not device.verify_token(_clean(code)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_backup_codes(acting_user)
    record_event(actor=acting_user, action="account.second_factor_enrolled", obj=acting_user)
    return codes


def new_backup_codes(user: User) -> list[str]:
    """Ten fresh backup codes; the earlier ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=c) for c in codes])
    return codes


def can_reset_second_factor(user: User) -> Decision:
    if user.is_authenticated and user.has_role(Role.ADMIN):
        return Decision(True)
    return Decision(False, _("Seul un administrateur réinitialise le second facteur d'un compte."))


@transaction.atomic
def reset_second_factor(*, acting_user: User, user: User) -> int:
    """A lost phone: the person's devices go, their sessions end, and their next sign-in
    enrols a new app. Returns how many devices were removed."""
    require(can_reset_second_factor(acting_user))
    user = User.objects.select_for_update().get(pk=user.pk)
    app: int
    app, _detail = TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    ended, _detail = Session.objects.filter(user=user).delete()
    record_event(
        actor=acting_user,
        action="account.second_factor_reset",
        obj=user,
        after={"devices": app, "sessions": ended},
    )
    return app
