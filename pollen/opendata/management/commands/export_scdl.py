"""python manage.py export_scdl --output FILE.csv: every signed award in the SCDL subventions schema."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pollen.opendata import scdl


class Command(BaseCommand):
    help = "Exporte les subventions attribuées au format SCDL subventions 2.1.1 (CSV)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="Fichier CSV à écrire.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = scdl.write_csv(Path(options["output"]))
        self.stdout.write(f"{count} subvention(s) exportée(s) dans {options['output']}.")
