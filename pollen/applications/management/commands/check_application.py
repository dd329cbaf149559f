"""python manage.py check_application --call fablabs-2013 FILE.json"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from pollen import clock
from pollen.applications.exchange import call_spec, facts_of_record
from pollen.domain.apply import eligibility
from pollen.domain.apply.calls import CallFileError
from pollen.domain.apply.exchange import ExchangeError, check_against_call, loads, parse_application


class Command(BaseCommand):
    help = (
        "Vérifie une candidature au format d'échange : affiche les verdicts en JSON ; "
        "code de sortie 0 si éligible, 1 sinon, 2 si le fichier est invalide."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--call", required=True, help="Identifiant de l'appel, ex. fablabs-2013"
        )
        parser.add_argument("file", help="Fichier JSON (ou - pour l'entrée standard)")

    def _fail(self, field: str, message: str) -> None:
        self.stdout.write(
            json.dumps({"error": {"field": field, "message": message}}, ensure_ascii=False)
        )
        self.stderr.write(f"Fichier invalide — {field} : {message}")
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            self._fail("(fichier)", f"lecture impossible : {exc.strerror or exc}")
            return
        try:
            spec = call_spec(options["call"])
            record = parse_application(loads(raw))
            check_against_call(record, spec)
        except ExchangeError as exc:
            self._fail(exc.field, exc.message)
            return
        except CallFileError as exc:
            self._fail("--call", "; ".join(exc.problems))
            return
        result = eligibility.check(spec, facts_of_record(record, spec, clock.now()))
        self.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
        sys.exit(0 if result.eligible else 1)
