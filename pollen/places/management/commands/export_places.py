"""python manage.py export_places --output FILE.csv"""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from pollen.places.exports import NationalExport, write_national_csv
from pollen.places.selectors import places_to_export


class Command(BaseCommand):
    help = _(
        "Exporte les lieux ouverts de l'annuaire au format CSV du schéma national des lieux de "
        "médiation numérique v1.0.2 (pour alimenter la cartographie nationale). Les lieux que le "
        "schéma ne peut décrire (sans adresse, sans commune) sont écartés et listés sur la "
        "sortie d'erreur."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", default="-", help=_("Fichier CSV (- : sortie standard)"))

    def handle(self, *args: Any, **options: Any) -> None:
        places = places_to_export()
        if options["output"] == "-":
            self._say_left_out(write_national_csv(places, self.stdout))
            return
        with open(options["output"], "w", encoding="utf-8", newline="") as handle:
            export = write_national_csv(places, handle)
        self.stdout.write(
            _("%(n)s lieu(x) exporté(s) dans %(path)s.")
            % {"n": export.written, "path": options["output"]}
        )
        self._say_left_out(export)

    def _say_left_out(self, export: NationalExport) -> None:
        if not export.left_out:
            return
        self.stderr.write(
            _("%(n)s lieu(x) écarté(s) : le schéma national exige ce que Pollen n'a pas.")
            % {"n": len(export.left_out)}
        )
        for left in export.left_out:
            self.stderr.write(
                _("  écarté : %(label)s — %(reason)s")
                % {"label": left.label, "reason": left.reason}
            )
