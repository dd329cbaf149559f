"""python manage.py seal_audit: chain the events recorded since the last seal (run it every minute)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pollen.audit.services import seal_events


class Command(BaseCommand):
    help = _(
        "Scelle dans la chaîne d'audit les événements enregistrés depuis le dernier scellement."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = seal_events()
        self.stdout.write(
            ngettext("%(count)d événement scellé.", "%(count)d événements scellés.", sealed)
            % {"count": sealed}
        )
