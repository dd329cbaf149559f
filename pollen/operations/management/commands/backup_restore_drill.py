"""python manage.py backup_restore_drill [--keep DIR]: back up, restore a fresh copy, verify it."""

import sys
import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pollen.operations.drill import TARGET, DrillError, DrillResult, Step, discard, run_drill


class Command(BaseCommand):
    help = (
        "Exercice de sauvegarde et de restauration : sauvegarde la base et les pièces, les "
        "restaure dans une base et un dossier neufs, y lance verify_receipts et verify_audit, "
        "affiche la durée de chaque étape (code 1 si une vérification échoue)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep",
            metavar="DOSSIER",
            help="Garde la sauvegarde et la copie restaurée dans ce dossier (vide ou absent).",
        )
        parser.add_argument(
            "--target",
            default=TARGET,
            help=f"PostgreSQL : nom de la base de restauration (défaut : {TARGET}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keep = options["keep"]
        if keep:
            folder = Path(keep)
            folder.mkdir(parents=True, exist_ok=True)
            if any(folder.iterdir()):
                raise CommandError(f"Le dossier {folder} n'est pas vide.")
            result = self._drill(folder, options["target"])
            self.stdout.write(
                f"Sauvegarde et copie gardées dans {folder} ({result.copy.database_url})."
            )
        else:
            with tempfile.TemporaryDirectory(prefix="pollen-drill-") as tmp:
                result = self._drill(Path(tmp), options["target"])
                discard(result.copy)
        self.stdout.write(f"Durée totale : {result.total:.2f} s.")
        if not result.ok:
            self.stdout.write("ÉCHEC : la copie restaurée ne passe pas les vérifications.")
            sys.exit(1)
        self.stdout.write("Exercice réussi : la copie restaurée passe les vérifications.")

    def _drill(self, folder: Path, target: str) -> DrillResult:
        try:
            return run_drill(folder, target=target, report=self._report)
        except DrillError as exc:
            raise CommandError(str(exc)) from exc

    def _report(self, step: Step) -> None:
        state = "ok" if step.ok else "ÉCHEC"
        self.stdout.write(f"{step.name:<28} {step.seconds:8.2f} s  {state}")
        if step.output and (not step.ok or step.name.startswith("verify")):
            for line in step.output.splitlines()[-5:]:
                self.stdout.write(f"    {line}")
