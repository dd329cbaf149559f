"""python manage.py verify_audit: seal what is new, then recompute the whole audit chain."""

import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pollen.audit.selectors import ChainCheck, chain_check, timestamp_checks
from pollen.audit.services import seal_events

REASONS = {
    "altered": gettext_lazy("l'événement, ou celui scellé avant lui, a été modifié ou supprimé"),
    "skipped": gettext_lazy(
        "l'événement n'est pas scellé alors que des événements suivants le sont"
    ),
}


class Command(BaseCommand):
    help = _(
        "Scelle les nouveaux événements d'audit puis revérifie toute la chaîne (code 1 si elle est rompue)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        seal_events()
        check = chain_check()
        if check.broken_at is not None:
            self.stdout.write(self._broken(check))
            sys.exit(1)
        self.stdout.write(
            _(
                "Chaîne d'audit intacte : %(sealed)d événement(s) vérifié(s), %(unsealed)d en attente de scellement."
            )
            % {"sealed": check.sealed, "unsealed": check.unsealed}
        )
        if check.head:
            self.stdout.write(_("Dernier maillon : %(head)s") % {"head": check.head})
        stamps = timestamp_checks(settings.POLLEN_TSA_CA_FILE)
        broken = [s for s in stamps if not s.valid]
        for stamp in broken:
            self.stdout.write(
                _("Horodatage de l'événement %(id)d invalide : %(detail)s")
                % {"id": stamp.event_id, "detail": stamp.detail}
            )
        if stamps and not broken:
            self.stdout.write(
                _("%(count)d horodatage(s) RFC 3161 vérifié(s), le dernier à %(moment)s (UTC).")
                % {
                    "count": len(stamps),
                    "moment": stamps[-1].stamped_at.strftime("%Y-%m-%d %H:%M:%S"),
                }
            )
        if broken:
            sys.exit(1)

    def _broken(self, check: ChainCheck) -> str:
        return _("Chaîne d'audit rompue à l'événement %(id)d : %(reason)s.") % {
            "id": check.broken_at,
            "reason": REASONS[check.reason],
        }
