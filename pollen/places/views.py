"""Directory, place, coverage, siting and map pages: check access, parse, call, render."""

import io
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from pollen import clock
from pollen.accounts.models import AuthedRequest
from pollen.audit.selectors import events_for
from pollen.jobs import selectors as job_selectors
from pollen.jobs.models import JobStatus
from pollen.jobs.views import holder_of, see_job
from pollen.places import forms, map_data, selectors, services
from pollen.places import jobs as place_jobs
from pollen.places.exports import write_national_csv
from pollen.places.maps import MapDataMissing, MapPoint, legend_labels, render_svg
from pollen.places.models import Place
from pollen.places.records import MACHINE_CODES
from pollen.places.reports import (
    DEFAULT_MIN_POPULATION,
    DEFAULT_RADIUS_KM,
    DEFAULT_SITES,
    SITING_TIME_LIMIT_S,
    CoverageFigures,
    commune_names,
    coverage_figures,
    known_siting_report,
    siting_report,
)
from pollen.places.search import hours_summary, search_places
from pollen.ratelimit import client_address, hit

PAGE_SIZE = 20


def directory(request: HttpRequest) -> HttpResponse:
    form = forms.DirectorySearchForm(request.GET or None)
    context: dict[str, Any] = {
        "form": form,
        "rows": [],
        "page": None,
        "outcome": None,
        "criteria": None,
    }
    if not form.is_bound or form.is_valid():
        criteria = forms.criteria_of(form)
        outcome = search_places(criteria, clock.now())
        page = Paginator(outcome.hits, PAGE_SIZE).get_page(request.GET.get("page"))
        places = Place.objects.select_related("commune").in_bulk([h.pk for h in page])
        context.update(
            criteria=criteria,
            outcome=outcome,
            page=page,
            rows=[(places[h.pk], h.distance_km) for h in page],
        )
    # The map keeps the machine asked for, even while another criterion is being corrected.
    machine = request.GET.get("machine", "")
    context["map_machine"] = machine if machine in MACHINE_CODES else ""
    query = request.GET.copy()
    query.pop("page", None)
    context["query"] = query.urlencode()
    context["can_create"] = selectors.can_create(request.user)  # type: ignore[arg-type]
    points = selectors.active_points()
    count = len(points)
    context["map"] = _places_map(
        points,
        title=_("Les lieux ouverts de l'annuaire"),
        description=_(
            "%(n)s lieux ouverts figurés par des points sur la carte de France ; la recherche "
            "ci-dessus en donne la liste."
        )
        % {"n": count},
        data=map_data.directory_map(points) if map_data.tiles_enabled() else None,
    )
    return render(request, "places/directory.html", context)


def _places_map(
    points: list[selectors.PlacePoint],
    *,
    title: str,
    description: str,
    data: dict[str, Any] | None,
) -> dict[str, Any]:
    """The SVG that works everywhere, and what map.js draws over it once tiles load."""
    try:
        svg = render_svg(
            {},
            [MapPoint(p.lat, p.lon, p.name) for p in points],
            title=title,
            description=description,
            id_prefix="places-map",
            legend=False,
        )
    except MapDataMissing:
        svg = ""
    return {"svg": svg, "title": title, "data": data}


def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = selectors.access_place(pk)
    departement = place.commune.departement_id if place.commune else place.postal_code[:2]
    can_edit = selectors.can_edit(request.user, place)  # type: ignore[arg-type]
    around = map_data.neighbours(place, selectors.active_points())
    map_ = None
    if place.latitude is not None and place.longitude is not None:
        here = selectors.PlacePoint(
            place.pk, place.name, place.latitude, place.longitude, place.approximate
        )
        map_ = _places_map(
            [here, *around],
            title=_("%(name)s et les lieux les plus proches") % {"name": place.name},
            description=_(
                "Le lieu et les %(n)s lieux ouverts les plus proches, sur la carte de France."
            )
            % {"n": len(around)},
            data=map_data.place_map(place, around) if map_data.tiles_enabled() else None,
        )
    return render(
        request,
        "places/detail.html",
        {
            "place": place,
            "hours": hours_summary(
                place.opening_hours, clock.now(), departement or "", _coords(place)
            ),
            "can_edit": can_edit,
            "events": events_for(place)[:50] if can_edit else [],
            "map": map_,
            "neighbours": around,
        },
    )


def _coords(place: Place) -> tuple[float, float] | None:
    """Where the sun rises for `sunrise`/`sunset` hours; an approximate point is close enough."""
    if place.latitude is None or place.longitude is None:
        return None
    return (place.latitude, place.longitude)


def _initial(place: Place) -> dict[str, Any]:
    initial = {f: getattr(place, f) for f in forms.PlaceForm.base_fields if hasattr(place, f)}
    initial["commune"] = place.commune
    initial["other_machines"] = " ; ".join(place.other_machines)
    if place.approximate:
        initial["latitude"] = initial["longitude"] = None
    return initial


@login_required
def place_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    place = selectors.access_place(pk)
    decision = selectors.can_edit(request.user, place)
    if not decision:
        raise PermissionDenied(decision.reason)
    can_link = bool(selectors.can_link(request.user))
    form = forms.PlaceForm(request.POST or None, initial=_initial(place), can_link=can_link)
    if request.method == "POST" and form.is_valid():
        services.update_place(acting_user=request.user, place=place, values=form.values())
        messages.success(request, _("La fiche du lieu est enregistrée."))
        return redirect("places:detail", pk=place.pk)
    return render(request, "places/edit.html", {"form": form, "place": place})


@login_required
def place_create(request: AuthedRequest) -> HttpResponse:
    decision = selectors.can_create(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = forms.PlaceForm(request.POST or None, initial={"status": "active"}, can_link=True)
    if request.method == "POST" and form.is_valid():
        place = services.create_place(acting_user=request.user, values=form.values())
        messages.success(request, _("Le lieu est ajouté à l'annuaire."))
        return redirect("places:detail", pk=place.pk)
    return render(request, "places/edit.html", {"form": form, "place": None})


def export_csv(request: HttpRequest) -> HttpResponse:
    buffer = io.StringIO()
    write_national_csv(selectors.places_to_export(), buffer)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lieux-pollen.csv"'
    return response


def _figures(
    request: HttpRequest, form_class: type[forms.CoverageForm] = forms.CoverageForm
) -> tuple[Any, CoverageFigures]:
    form = form_class(request.GET or None)
    valid = not form.is_bound or form.is_valid()
    data = form.cleaned_data if form.is_bound and valid else {}
    figures = coverage_figures(
        data.get("radius_km") or DEFAULT_RADIUS_KM, data.get("machine") or ""
    )
    return form, figures


def coverage(request: HttpRequest) -> HttpResponse:
    form, figures = _figures(request)
    try:
        svg = render_svg(
            figures.shares(),
            figures.map_points(),
            title=figures.title,
            description=figures.description,
        )
    except MapDataMissing as exc:
        svg, messages_ = "", [str(exc)]
    else:
        messages_ = []
    return render(
        request,
        "places/coverage.html",
        {
            "form": form,
            "figures": figures,
            "svg": svg,
            "map_errors": messages_,
            "legend": legend_labels(),
            "map": {
                "svg": svg,
                "title": figures.title,
                "data": map_data.coverage_map(figures)
                if svg and map_data.tiles_enabled()
                else None,
            },
            "siting_form": forms.SitingForm(
                initial={
                    "radius_km": figures.radius_km,
                    "machine": figures.machine,
                    "k": DEFAULT_SITES,
                    "min_population": DEFAULT_MIN_POPULATION,
                }
            ),
            "time_limit": f"{SITING_TIME_LIMIT_S:g}",
        },
    )


def siting(request: HttpRequest) -> HttpResponse:
    form = forms.SitingForm(request.GET or None)
    context: dict[str, Any] = {"siting_form": form, "time_limit": f"{SITING_TIME_LIMIT_S:g}"}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        radius = data.get("radius_km") or DEFAULT_RADIUS_KM
        figures = coverage_figures(radius, data.get("machine") or "")
        question = (
            radius,
            data.get("k") or DEFAULT_SITES,
            data.get("min_population") or DEFAULT_MIN_POPULATION,
            figures.points,
        )
        if known_siting_report(*question) is None:
            # A new question costs the solver up to SITING_TIME_LIMIT_S: counted per address.
            counted = hit(
                "siting:" + client_address(request), settings.POLLEN_SITING_SOLVES_PER_MINUTE
            )
            if counted.refused:
                context["refused"] = _(
                    "Trop de nouveaux calculs demandés depuis votre adresse : réessayez dans "
                    "%(seconds)s secondes. Les calculs déjà faits restent consultables."
                ) % {"seconds": counted.retry_after}
                response = render(request, _siting_template(request), context, status=429)
                response["Retry-After"] = str(counted.retry_after)
                return response
        report = siting_report(*question)
        greedy = commune_names(report.greedy.sites)
        exact = report.exact.choice
        context.update(
            figures=figures,
            report=report,
            greedy_rows=list(zip(greedy, report.greedy.gains, strict=True)),
            exact_rows=list(zip(commune_names(exact.sites), exact.gains, strict=True))
            if exact
            else [],
        )
    return render(request, _siting_template(request), context)


def _siting_template(request: HttpRequest) -> str:
    return "places/_siting.html" if getattr(request, "htmx", False) else "places/siting.html"


def map_svg(request: HttpRequest) -> HttpResponse:
    _form, figures = _figures(request)
    svg = render_svg(
        figures.shares(), figures.map_points(), title=figures.title, description=figures.description
    )
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="couverture-{figures.radius_km}km.svg"'
    return response


@require_POST
def map_download_pdf(request: HttpRequest) -> HttpResponse:
    """The map's PDF (seconds to draw): at once if any process drew the same one, else a job
    this browser follows, signed in or not (docs/decisions/0025-session-owned-jobs.md)."""
    form = forms.CoverageForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {}
    radius, machine = data.get("radius_km") or DEFAULT_RADIUS_KM, data.get("machine") or ""
    language = get_language()
    figures = coverage_figures(radius, machine)
    pdf = place_jobs.known_map_pdf(figures, language)
    if pdf is not None:
        response = HttpResponse(pdf, content_type="application/pdf")
        filename = place_jobs.map_pdf_filename(figures.radius_km)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    # A map not drawn yet costs a worker seconds: new ones are counted per address.
    counted = hit("map-pdf:" + client_address(request), settings.POLLEN_MAP_PDFS_PER_MINUTE)
    if counted.refused:
        response = render(
            request,
            "429.html",
            {
                "advice": _(
                    "Trop de nouvelles cartes demandées depuis votre adresse : réessayez dans "
                    "%(seconds)s secondes. La carte reste consultable en ligne, et les cartes "
                    "déjà dessinées se téléchargent sans attendre."
                )
                % {"seconds": counted.retry_after}
            },
            status=429,
        )
        response["Retry-After"] = str(counted.retry_after)
        return response
    job = place_jobs.start_map_pdf(
        owner=request.user,
        holder=holder_of(request, create=True),
        radius_km=radius,
        machine=machine,
        language=language,
    )
    return see_job(request, job)


@login_required
def import_places(request: AuthedRequest) -> HttpResponse:
    """A programme's managers import a file of places; the import runs as a job."""
    decision = selectors.can_create(request.user)
    if not decision:
        raise PermissionDenied(decision.reason)
    form = forms.PlaceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = place_jobs.start_import(
            acting_user=request.user,
            upload=form.cleaned_data["file"],
            fmt=form.cleaned_data["fmt"],
        )
        return see_job(request, job)
    return render(request, "places/import.html", {"form": form})


@login_required
@require_safe
def import_result(request: AuthedRequest, job_id: uuid.UUID) -> HttpResponse:
    """What an import did: created, updated, ignored rows and why; for whoever ran it."""
    job = job_selectors.access_job(request.user, job_id)
    if job.kind != place_jobs.IMPORT or job.status != JobStatus.DONE:
        raise Http404
    result = job.result
    counts = result.get("counts", {})
    return render(
        request,
        "places/import_result.html",
        {
            "job": job,
            "result": result,
            "counts": counts,
            "layout": place_jobs.layout_label(str(result.get("layout", ""))),
            "more_created": counts.get("created", 0) - len(result.get("created", [])),
            "more_updated": counts.get("updated", 0) - len(result.get("updated", [])),
            "more_skipped": counts.get("skipped", 0) - len(result.get("skipped", [])),
        },
    )


def outlines(request: HttpRequest) -> HttpResponse:
    """The départements' outlines for the zoomable coverage map (the same for every question)."""
    try:
        body = map_data.outlines_geojson()
    except MapDataMissing as exc:
        raise Http404(str(exc)) from None
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "public, max-age=86400"
    return response
