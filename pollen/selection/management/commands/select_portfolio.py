"""python manage.py select_portfolio FILE.json: the committee's optimal portfolio, as JSON.

Exit 0 with the selection; 1 when no portfolio meets the rules (the reason as JSON); 2 when the
file is unusable (a French message on stderr).
"""

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from pollen.domain.selection.portfolio import (
    SelectionInfeasibleError,
    select_portfolio,
    selection_output,
)
from pollen.domain.selection.problem import SelectionInputError, parse_selection_input
from pollen.selection.adapters import communes_by_insee

TIME_LIMIT_S = 60.0
FAILED = frozenset({"no_solution", "infeasible"})


class Command(BaseCommand):
    help = "Sélection optimale d'un portefeuille de candidatures (JSON en entrée et en sortie)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Le problème au format JSON (voir la page du comité).")
        parser.add_argument(
            "--time-limit", type=float, default=TIME_LIMIT_S, help="Secondes (défaut : 60)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except OSError as exc:
            self._fail(2, f"Fichier illisible : {path} ({exc.strerror}).")
        try:
            problem = parse_selection_input(raw, communes_by_insee())
        except SelectionInputError as exc:
            where = f" (champ « {exc.field} »)" if exc.field else ""
            self._fail(2, f"Fichier invalide{where} : {exc}")
        except ValueError as exc:  # e.g. a file that is not UTF-8
            self._fail(2, f"Fichier invalide : {exc}")
        try:
            outcome = select_portfolio(problem, time_limit_s=options["time_limit"])
        except SelectionInfeasibleError as exc:
            self._answer({"status": "infeasible", "reason": str(exc)}, 1)
            return
        output = selection_output(outcome)
        if outcome.optimum.status in FAILED:
            self._answer({**output, "reason": outcome.optimum.reason}, 1)
            return
        self._answer(output, 0)

    def _answer(self, data: dict[str, Any], code: int) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        if code:
            sys.exit(code)

    def _fail(self, code: int, message: str) -> NoReturn:
        self.stderr.write(message)
        sys.exit(code)
