"""Before/after coverage maps of a scenario, drawn with the places app's SVG renderer."""

import json
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from pollen.selection.models import SelectionRun

if TYPE_CHECKING:
    from pollen.places.maps import MapBase

FUNDED_COLOUR = "#18753c"


@dataclass(frozen=True)
class CoverageMaps:
    before_svg: str
    after_svg: str
    before_share: float
    after_share: float
    error: str = ""

    @property
    def before_percent(self) -> str:
        return _percent(self.before_share)

    @property
    def after_percent(self) -> str:
        return _percent(self.after_share)


def _percent(share: float) -> str:
    return f"{share * 100:.2f} %".replace(".", ",")


def coverage_maps(run: SelectionRun, portfolio: str = "optimum") -> CoverageMaps:
    """Départements shaded by covered share, existing places, and (after) the funded ones."""
    from pollen.places import maps, reports  # the places app draws; imported when asked

    problem = json.loads(run.problem)
    radius = float(problem["radius_km"])
    places = [
        (float(p["lat"]), float(p["lon"]), str(p["label"])) for p in problem["existing_places"]
    ]
    chosen = set((run.figures or {}).get(portfolio, {}).get("selected", []))
    model = reports.coverage_model()
    funded = []
    for c in problem["candidates"]:
        if str(c["id"]) in chosen:
            i = model.index_of(c["commune_insee"])
            funded.append(
                (float(model.lats[i]), float(model.lons[i]), str(c.get("label", c["id"])))
            )
    latlon = [(lat, lon) for lat, lon, _label in places]
    before = model.coverage(latlon, radius, top=0)
    after = model.coverage(latlon, radius, extra_sites=[(a, b) for a, b, _ in funded], top=0)
    points = [maps.MapPoint(lat, lon, label) for lat, lon, label in places]
    try:
        before_svg = maps.render_svg(
            {k: v.share for k, v in before.by_departement.items()},
            points,
            title=_("Couverture avant la sélection"),
            description=_("Part de la population à moins de %(r)s km d'un lieu existant.")
            % {"r": problem["radius_km"]},
            id_prefix=f"before-{run.pk}-{portfolio}",
        )
        after_svg = maps.render_svg(
            {k: v.share for k, v in after.by_departement.items()},
            points,
            title=_("Couverture après la sélection"),
            description=_("Avec les %(n)s fablabs financés (points verts).") % {"n": len(funded)},
            id_prefix=f"after-{run.pk}-{portfolio}",
        )
    except maps.MapDataMissing as exc:
        return CoverageMaps("", "", before.share, after.share, str(exc))
    after_svg = _with_funded(after_svg, funded, maps.map_base())
    return CoverageMaps(before_svg, after_svg, before.share, after.share)


def _with_funded(svg: str, funded: list[tuple[float, float, str]], base: "MapBase") -> str:
    """The renderer draws one kind of point: the funded ones go on top, in green."""
    out = [f'<g fill="{FUNDED_COLOUR}" stroke="#ffffff" stroke-width="0.8" class="pollen-funded">']
    for lat, lon, label in funded:
        xy = base.project(lat, lon)
        if xy is not None:
            out.append(
                f'<circle cx="{xy[0]:.1f}" cy="{xy[1]:.1f}" r="4.5">'
                f"<title>{escape(label)}</title></circle>"
            )
    out.append(
        '<g font-family="Marianne, Arial, sans-serif" font-size="11" fill="#161616">'
        f'<circle cx="188" cy="610" r="4.5" fill="{FUNDED_COLOUR}"/>'
        f'<text x="202" y="614">{escape(_("un fablab financé"))}</text></g>'
    )
    out.append("</g>")
    return svg.replace("</svg>", "".join(out) + "</svg>")
