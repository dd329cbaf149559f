"""The demo's named people: one login per role, the same everywhere (tests use them too)."""

from typing import Any

from pollen.accounts.models import Role

DEMO_PASSWORD = "pollen-demo-2013"  # noqa: S105 - a published demo password, never for real use

PERSONAS = [
    ("porteur@pollen.example", "Camille Martin", Role.APPLICANT),
    ("porteuse2@pollen.example", "Nour Benali", Role.APPLICANT),
    ("instructrice@pollen.example", "Hélène Garnier", Role.INSTRUCTOR),
    ("expert@pollen.example", "Yann Le Goff", Role.EXPERT),
    ("comite@pollen.example", "Sophie Durand", Role.COMMITTEE),
    ("responsable@pollen.example", "Marc Lefebvre", Role.MANAGER),
    ("finances@pollen.example", "Aline Roux", Role.FINANCE),
    ("admin@pollen.example", "Admin Pollen", Role.ADMIN),
]

# The programmes of the calls in calls/*.toml. The 2013 staff above work for the State's plan;
# the Région Bretagne's call has its own team, who see nothing of the State's (and back).
PROGRAMME_2013 = "fablabs-economie-collaborative"
PROGRAMME_BRETAGNE = "bretagne-fabrication"
BRETAGNE_PERSONAS = [
    ("instructeur.bretagne@pollen.example", "Gwenaël Le Bihan", Role.INSTRUCTOR),
    ("comite.bretagne@pollen.example", "Maëlle Tanguy", Role.COMMITTEE),
    ("responsable.bretagne@pollen.example", "Erwan Quéré", Role.MANAGER),
    ("finances.bretagne@pollen.example", "Annaïg Caradec", Role.FINANCE),
]
ALL_PERSONAS = PERSONAS + BRETAGNE_PERSONAS


def programme_of(email: str, role: str) -> str | None:
    """The programme a demo persona works for; None for applicants and the administrator."""
    if role in (Role.APPLICANT, Role.ADMIN):
        return None
    bretagne = {e for e, _name, _role in BRETAGNE_PERSONAS}
    return PROGRAMME_BRETAGNE if email in bretagne else PROGRAMME_2013


# The demo's staff share one published TOTP key, base32 OBXW Y3DF NYWW IZLN N4WT EMBR GMWW 65DQ
# (add it to any authenticator app), or run `python manage.py demo_codes`. Never for real use.
DEMO_TOTP_KEY = "706f6c6c656e2d64656d6f2d323031332d6f7470"  # b"pollen-demo-2013-otp"
DEMO_TOTP_BASE32 = "OBXWY3DFNYWWIZLNN4WTEMBRGMWW65DQ"


def give_demo_device(user: Any) -> Any:
    """A confirmed TOTP device with the demo's key (idempotent): the persona signs in with
    the code of `demo_codes` instead of enrolling a phone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(
        user=user,
        name="Démonstration",
        defaults={"key": DEMO_TOTP_KEY, "confirmed": True},
    )
    return device


def demo_code(device: Any) -> str:
    """The code the device accepts now: the current step, or the next one if this one was
    used already (django-otp refuses a code twice; its tolerance takes the next step)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    step = totp.t()
    if device.last_t >= step:
        totp.time = (device.last_t + 1 - device.drift) * device.step + device.t0
    return f"{totp.token():0{device.digits}d}"
