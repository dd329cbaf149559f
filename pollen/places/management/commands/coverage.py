"""python manage.py coverage --radius-km R [--places FILE.csv] [--json]"""

import csv
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from pollen.places.forms import parse_radius
from pollen.places.records import parse_coordinate
from pollen.places.reports import coverage_model, fr_int, fr_share
from pollen.places.selectors import active_points


class Command(BaseCommand):
    help = _(
        "Population à moins de R km d'un lieu : France entière, par région, par département, "
        "et les plus grandes communes non couvertes. Lieux : ceux, ouverts, de l'annuaire, ou "
        "un CSV avec des colonnes latitude et longitude. Code de sortie 2 si le rayon est invalide."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--radius-km", required=True, help=_("Rayon en km, ex. 20"))
        parser.add_argument("--places", help=_("CSV des lieux (colonnes latitude, longitude)"))
        parser.add_argument("--json", action="store_true", help=_("Sortie JSON"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            radius = parse_radius(options["radius_km"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["places"]:
            points = self._read_places(Path(options["places"]))
        else:
            points = [(p.lat, p.lon) for p in active_points()]
        report = coverage_model().coverage(points, radius)
        if options["json"]:
            self.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
            return
        self.stdout.write(
            _(
                "%(share)s de la population (%(covered)s habitants sur %(total)s) vit à moins de "
                "%(r)s km d'un des %(n)s lieux."
            )
            % {
                "share": fr_share(report.share),
                "covered": fr_int(report.covered_population),
                "total": fr_int(report.population),
                "r": f"{radius:g}",
                "n": fr_int(len(points)),
            }
        )
        for zone in report.largest_uncovered:
            distance = "—" if zone.nearest_km is None else f"{zone.nearest_km:.1f} km"
            self.stdout.write(
                f"  {zone.name} ({zone.departement}) : {fr_int(zone.population)} hab., {distance}"
            )

    def _read_places(self, path: Path) -> list[tuple[float, float]]:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("Lecture impossible de %(path)s : %(e)s") % {"path": path, "e": exc}, returncode=2
            ) from None
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if "latitude" not in header or "longitude" not in header:
            raise CommandError(
                _("Le CSV des lieux doit avoir des colonnes latitude et longitude (reçu : %(h)s).")
                % {"h": ", ".join(header) or _("aucune")},
                returncode=2,
            )
        points, skipped = [], 0
        for raw in reader:
            row = {(k or "").strip().lower(): v for k, v in raw.items()}
            lat, lon = parse_coordinate(row.get("latitude")), parse_coordinate(row.get("longitude"))
            if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
                skipped += 1
                continue
            points.append((lat, lon))
        if skipped:
            self.stderr.write(
                _("%(n)s ligne(s) sans coordonnées utilisables ignorée(s).") % {"n": skipped}
            )
        return points
