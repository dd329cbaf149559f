"""python manage.py assign_experts FILE.json — the optimal assignment of a file, without the database."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from pollen.domain.review.assignment import AssignmentInputError, run_assignment


class Command(BaseCommand):
    help = (
        "Affecte des experts aux candidatures décrites dans un fichier JSON (format de "
        "pollen/domain/review/assignment.py) : affiche l'affectation optimale en JSON ; code de sortie 0 "
        "si elle existe, 1 sinon (avec la contrainte à relâcher), 2 si le fichier est invalide."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Fichier JSON (ou - pour l'entrée standard)")

    def _invalid(self, message: str) -> None:
        self.stdout.write(json.dumps({"error": message}, ensure_ascii=False))
        self.stderr.write(f"Fichier invalide : {message}")
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["file"]
        try:
            raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            self._invalid(f"lecture impossible : {exc.strerror or exc}")
            return
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._invalid(f"ce n'est pas du JSON valide ({exc})")
            return
        try:
            output = run_assignment(data)  # the assignment, or infeasibility_as_dict's reasons
        except AssignmentInputError as exc:
            self._invalid(str(exc))
            return
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))
        sys.exit(0 if "assignments" in output else 1)
