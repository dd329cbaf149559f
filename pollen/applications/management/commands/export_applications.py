"""python manage.py export_applications --call fablabs-2013 [--output FILE.json]"""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pollen.applications.exchange import export_applications
from pollen.calls.models import Call


class Command(BaseCommand):
    help = "Exporte les candidatures d'un appel au format d'échange JSON (une liste)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--call", required=True)
        parser.add_argument("--output", default="-")

    def handle(self, *args: Any, **options: Any) -> None:
        call = Call.objects.filter(slug=options["call"]).first()
        if call is None:
            raise CommandError(f"Appel inconnu : {options['call']}", returncode=2)
        text = json.dumps(export_applications(call), ensure_ascii=False, indent=2)
        if options["output"] == "-":
            self.stdout.write(text)
        else:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
            self.stdout.write(f"Candidatures exportées dans {options['output']}.")
