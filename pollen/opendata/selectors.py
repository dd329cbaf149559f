"""What the open-data page lists: each file, its schema, its size in rows, and where to get it."""

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from pollen.grants.models import Grant
from pollen.opendata import scdl


def _optional_url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def datasets() -> list[dict[str, Any]]:
    schema = scdl.schema()
    files: list[dict[str, Any]] = [
        {
            "id": "scdl-subventions",
            "title": _("Subventions attribuées"),
            "description": _(
                "Une ligne par subvention dont la convention est signée, au format national SCDL "
                "« subventions » (version %(version)s) : attribuant, bénéficiaire et son SIRET, "
                "objet, montant, conditions et période de versement."
            )
            % {"version": schema.get("version", scdl.SCHEMA_VERSION)},
            "url": reverse("opendata:scdl"),
            "format": "CSV (UTF-8, séparateur virgule)",
            "rows": Grant.objects.filter(signed_on__isnull=False).count(),
            "schema_url": schema.get("homepage", ""),
            "columns": [(f["name"], f.get("title", "")) for f in schema["fields"]],
        }
    ]
    # The brief named it places:export; the places app ships places:export_csv.
    places = _optional_url("places:export") or _optional_url("places:export_csv")
    if places:
        files.append(
            {
                "id": "lieux",
                "title": _("Annuaire des fablabs"),
                "description": _(
                    "Les lieux de l'annuaire au standard national des lieux de médiation numérique."
                ),
                "url": places,
                "format": "CSV",
                "rows": None,
                "schema_url": "",
                "columns": [],
            }
        )
    return files


def api_url() -> str | None:
    return _optional_url("api:docs")
