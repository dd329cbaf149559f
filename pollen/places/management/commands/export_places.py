"""python manage.py export_places --output FILE.csv"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pollen.places.exports import write_national_csv
from pollen.places.selectors import places_to_export


class Command(BaseCommand):
    help = _(
        "Exporte les lieux ouverts de l'annuaire au format CSV du schéma national des lieux de "
        "médiation numérique (pour alimenter la cartographie nationale)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", default="-", help=_("Fichier CSV (- : sortie standard)"))

    def handle(self, *args: Any, **options: Any) -> None:
        places = places_to_export()
        if options["output"] == "-":
            write_national_csv(places, self.stdout)
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as handle:
            count = write_national_csv(places, handle)
        self.stdout.write(
            _("%(n)s lieu(x) exporté(s) dans %(path)s.") % {"n": count, "path": options["output"]}
        )
