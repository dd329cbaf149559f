"""python manage.py demo_codes: the code each demo staff persona signs in with, right now."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollen.demo.personas import ALL_PERSONAS, DEMO_TOTP_BASE32, demo_code


class Command(BaseCommand):
    help = "Affiche le code à usage unique actuel de chaque persona de démonstration (équipe)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo's key is published: its codes have no place next to real accounts.
            raise CommandError(
                _(
                    "Refusé : les codes de démonstration ne s'affichent pas en production (POLLEN_DEBUG=0)."
                )
            )
        emails = [email for email, _name, _role in ALL_PERSONAS]
        devices = TOTPDevice.objects.filter(
            user__email__in=emails, name="Démonstration", confirmed=True
        ).select_related("user")
        if not devices:
            raise CommandError(_("Aucun persona de démonstration : lancez d'abord load_demo."))
        self.stdout.write(
            _("Codes valables environ 30 secondes (clé de démonstration : %(key)s)")
            % {"key": DEMO_TOTP_BASE32}
        )
        for device in sorted(devices, key=lambda d: emails.index(d.user.email)):
            self.stdout.write(f"  {device.user.email:<38} {demo_code(device)}")
