"""python manage.py import_applications FILE.json (one application or a list), as drafts."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pollen.accounts.models import User
from pollen.applications.exchange import call_spec, check_storable, import_application
from pollen.domain.apply.exchange import ExchangeError, check_against_call, loads, parse_application


class Command(BaseCommand):
    help = "Importe des candidatures au format d'échange, comme brouillons (les pièces ne sont pas des fichiers)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--as-user", required=True, help="Adresse du compte qui importe (audit)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=options["as_user"]).first()
        if user is None:
            raise CommandError(f"Compte inconnu : {options['as_user']}", returncode=2)
        try:
            data = loads(Path(options["file"]).read_bytes())
        except ExchangeError as exc:
            raise CommandError(str(exc), returncode=2) from None
        items = data if isinstance(data, list) else [data]
        records = []
        for number, item in enumerate(items, start=1):
            try:
                record = parse_application(item)
                check_against_call(record, call_spec(record.call))
                check_storable(record)
            except ExchangeError as exc:
                raise CommandError(f"Candidature n°{number} — {exc}", returncode=2) from None
            records.append(record)
        for record in records:
            application = import_application(record, acting_user=user)
            self.stdout.write(f"Importée : {application.pk} « {application.title} »")
