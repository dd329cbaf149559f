"""python manage.py import_places FILE --format mediation-numerique|maplabbzh"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pollen.places.importers import read_records
from pollen.places.services import import_records
from pollen.places.sources import FORMATS, LAYOUT_V1, ImportFormatError

SHOWN = 10


class Command(BaseCommand):
    help = _(
        "Importe des lieux (idempotent par identifiant de source) : schéma national des lieux de "
        "médiation numérique (.json ou .csv) ou GeoJSON #MapLabBZH. Affiche ce qui est créé, mis "
        "à jour et ignoré (et pourquoi). Code de sortie 2 si le fichier est illisible."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=_("Fichier à importer"))
        parser.add_argument("--format", required=True, choices=FORMATS, dest="fmt")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            records, source = read_records(path, options["fmt"])
        except ImportFormatError as exc:
            raise CommandError(str(exc), returncode=2) from None
        report = import_records(records)
        ignored = report.ignored_columns = source.ignored
        verbosity = options["verbosity"]
        self.stdout.write(
            _("Import de %(path)s (format %(fmt)s)") % {"path": path, "fmt": options["fmt"]}
        )
        if source.layout:
            self.stdout.write(
                _("Colonnes du schéma national v1 (v1.0.x).")
                if source.layout == LAYOUT_V1
                else _("Colonnes de l'ancien schéma national (0.1.x).")
            )
        if ignored:
            self.stdout.write(_("Colonnes ignorées : %(cols)s") % {"cols": ", ".join(ignored)})
        shown = report.created if verbosity >= 2 else report.created[:SHOWN]
        for label in shown:
            self.stdout.write(_("  créé : %(label)s") % {"label": label})
        if len(report.created) > len(shown):
            self.stdout.write(
                _("  … et %(n)s autre(s) créé(s) (-v 2 pour tous les voir)")
                % {"n": len(report.created) - len(shown)}
            )
        for label in report.updated:
            self.stdout.write(_("  mis à jour : %(label)s") % {"label": label})
        for skipped in report.skipped:
            self.stdout.write(
                _("  ignoré : %(label)s — %(reason)s")
                % {"label": skipped.label, "reason": skipped.reason}
            )
        if verbosity >= 1:
            for label, warning in report.warnings:
                self.stdout.write(
                    _("  avertissement : %(label)s — %(w)s") % {"label": label, "w": warning}
                )
        self.stdout.write(report.summary())
