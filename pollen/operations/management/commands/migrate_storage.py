"""python manage.py migrate_storage: the local documents copied into the configured storage."""

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import storages
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pollen.operations.storage_migration import copy_folder
from pollen.storage import StorageUnavailable


class Command(BaseCommand):
    help = (
        "Copie les pièces d'un dossier local (POLLEN_MEDIA_ROOT par défaut) vers le stockage "
        "configuré (POLLEN_STORAGE_URL), relit chaque copie et compare son SHA-256 ; "
        "reprend là où une exécution précédente s'est arrêtée."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source",
            type=Path,
            default=None,
            help="Dossier à copier (par défaut : POLLEN_MEDIA_ROOT).",
        )

    def handle(self, *args: Any, source: Path | None, **options: Any) -> None:
        root = Path(source or settings.PRIVATE_MEDIA_ROOT)
        if not root.is_dir():
            raise CommandError(f"Dossier introuvable : {root}")
        verbose = options["verbosity"] >= 2

        def report(name: str, said: str) -> None:
            if verbose or said.startswith("ÉCART"):
                self.stdout.write(f"{name} : {said}")

        try:
            outcome = copy_folder(root, storages["private"], report)
        except StorageUnavailable as exc:
            raise CommandError(
                f"Le stockage ne répond pas ({exc}) : relancez la commande, elle reprendra."
            ) from exc
        self.stdout.write(
            f"{outcome.copied} fichier(s) copié(s) et vérifié(s), {outcome.present} déjà "
            f"présent(s), {len(outcome.mismatches)} écart(s)."
        )
        if outcome.mismatches:
            sys.exit(1)
