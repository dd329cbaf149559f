"""python manage.py timestamp_audit: an RFC 3161 time-stamp on the audit chain's head (daily)."""

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pollen.audit.services import timestamp_head
from pollen.audit.timestamping import TimestampError, verify_token


class Command(BaseCommand):
    help = _(
        "Fait horodater par l'autorité configurée (POLLEN_TSA_URL, RFC 3161) le dernier maillon "
        "de la chaîne d'audit."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        url = settings.POLLEN_TSA_URL
        if not url:
            self.stdout.write(
                _("Aucune autorité d'horodatage configurée (POLLEN_TSA_URL) : rien à faire.")
            )
            return
        try:
            stamp = timestamp_head(tsa_url=url)
        except TimestampError as exc:
            self.stderr.write(_("Horodatage impossible : %(reason)s") % {"reason": exc})
            sys.exit(1)
        if stamp is None:
            self.stdout.write(_("Aucun événement scellé : rien à horodater."))
            return
        if settings.POLLEN_TSA_CA_FILE:
            check = verify_token(bytes(stamp.token), stamp.chain, settings.POLLEN_TSA_CA_FILE)
            if not check.valid:
                self.stderr.write(
                    _("Jeton d'horodatage invalide : %(detail)s") % {"detail": check.detail}
                )
                sys.exit(1)
        self.stdout.write(
            _("Chaîne d'audit horodatée jusqu'à l'événement %(id)d, à %(moment)s (UTC).")
            % {"id": stamp.event_id, "moment": stamp.stamped_at.strftime("%Y-%m-%d %H:%M:%S")}
        )
