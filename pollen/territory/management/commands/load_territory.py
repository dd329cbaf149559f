"""python manage.py load_territory: régions, départements and communes from the reference data."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from pollen.territory import services, sources


class Command(BaseCommand):
    help = "Charge les régions, départements et communes (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        base = sources.DECOUPAGE
        parser.add_argument(
            "--regions", default=None, help=f"Fichier ou URL (défaut : {base}/regions.json)"
        )
        parser.add_argument(
            "--departements", default=None, help=f"Défaut : {base}/departements.json"
        )
        parser.add_argument("--communes-csv", default=None, help=f"Défaut : {sources.COMMUNES_CSV}")
        parser.add_argument("--communes-json", default=None, help=f"Défaut : {base}/communes.json")
        parser.add_argument(
            "--force", action="store_true", help="Recharge même si les fichiers n'ont pas changé"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = sources.DECOUPAGE
        paths = {
            "regions": options["regions"] or sources.data_path(f"{base}/regions.json"),
            "departements": options["departements"]
            or sources.data_path(f"{base}/departements.json"),
            "communes_csv": options["communes_csv"] or sources.data_path(sources.COMMUNES_CSV),
            "communes_json": options["communes_json"] or sources.data_path(f"{base}/communes.json"),
        }
        for name, path in paths.items():
            text = str(path)
            if not text.startswith("http") and not sources.data_path(text).exists():
                raise CommandError(
                    f"Fichier introuvable pour {name} : {text}. Indiquez le dossier des données avec "
                    "POLLEN_DATA_DIR (par défaut ../shared/data)."
                )

        stamp = services.fingerprint(*(sources.read_text(p) for p in paths.values()))
        if not options["force"] and (counts := services.already_loaded(stamp)):
            self.stdout.write(
                f"Territoire déjà à jour ({counts['communes']} communes, {counts['arrondissements']} "
                "arrondissements municipaux) : rien à recharger (--force pour tout recharger)."
            )
            return

        def progress(batches: Any, total: int) -> Any:
            return tqdm(
                batches, total=total, desc="Communes", unit="lot", disable=options["verbosity"] == 0
            )

        counts = services.load_territory(progress=progress, stamp=stamp, **paths)
        self.stdout.write(
            f"Territoire chargé : {counts['regions']} régions, {counts['departements']} départements, "
            f"{counts['communes']} communes et {counts['arrondissements']} arrondissements municipaux."
        )
