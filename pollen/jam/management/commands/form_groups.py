"""python manage.py form_groups FILE.json — a jam's optimal working groups, without the database."""

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand

from pollen.domain.jam.groups import DEFAULT_TIME_LIMIT, form_groups
from pollen.domain.jam.groups_file import parse_groups_json, split_as_dict


def _positive(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(
            f"doit être un nombre de secondes positif (reçu : {value})"
        )
    return seconds


class Command(BaseCommand):
    help = (
        "Répartit les participants présents d'une jam en groupes équilibrés (tailles, types, "
        "épinglages), avec le moins de collègues ensemble puis le plus de vœux satisfaits ; "
        "affiche la répartition en JSON. Code de sortie 0 si elle existe, 1 si les règles ne "
        "peuvent toutes tenir, 2 si le fichier est invalide, 3 si aucune répartition n'est "
        "trouvée dans le temps imparti."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help="Fichier JSON décrivant les groupes et les participants")
        parser.add_argument(
            "--time-limit",
            type=_positive,
            default=DEFAULT_TIME_LIMIT,
            help=f"Temps de calcul maximal en secondes (défaut : {DEFAULT_TIME_LIMIT:g})",
        )

    def _stop(self, code: int, lines: list[str]) -> NoReturn:
        for line in lines:
            self.stderr.write(line)
        sys.exit(code)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            self._stop(2, [f"Fichier invalide : {path} : fichier introuvable"])
        except OSError as exc:
            self._stop(
                2, [f"Fichier invalide : {path} : lecture impossible ({exc.strerror or exc})"]
            )
        roster = parse_groups_json(raw)
        if isinstance(roster, list):
            self._stop(2, [f"Fichier invalide : {error}" for error in roster])
        formed = form_groups(roster, time_limit=options["time_limit"])
        if formed.split is None and [r.code for r in formed.reasons] == ["timed_out"]:
            self._stop(3, [str(formed.reasons[0].message)])
        if formed.split is None:
            self._stop(1, [f"Répartition impossible : {r.message}" for r in formed.reasons])
        self.stdout.write(json.dumps(split_as_dict(formed.split), ensure_ascii=False, indent=2))
