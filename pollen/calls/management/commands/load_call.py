"""python manage.py load_call calls/fablabs-2013.toml"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pollen.calls.services import load_call
from pollen.domain.apply.calls import CallFileError


class Command(BaseCommand):
    help = "Vérifie un fichier d'appel à projets et le charge (ou le met à jour)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "files", nargs="+", help="Fichier(s) TOML d'appel, ex. calls/fablabs-2013.toml"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = False
        for name in options["files"]:
            path = Path(name)
            if not path.exists():
                raise CommandError(f"Fichier introuvable : {name}")
            try:
                outcome = load_call(text=path.read_text(encoding="utf-8"), source_path=str(path))
            except CallFileError as exc:
                failed = True
                self.stderr.write(f"{name} : fichier refusé :")
                for problem in exc.problems:
                    self.stderr.write(f"  - {problem}")
                continue
            call = outcome.call
            state = "créé" if outcome.created else ("mis à jour" if outcome.changed else "inchangé")
            self.stdout.write(f"Appel {call.slug} (version {call.version}) {state}.")
        if failed:
            raise CommandError("Au moins un fichier d'appel a été refusé.")
