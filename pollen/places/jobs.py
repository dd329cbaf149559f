"""The places' long work as jobs (pollen.jobs): the coverage map's PDF, a file of places imported."""

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from pollen import jobs
from pollen.accounts.models import Machine, User
from pollen.jobs import services as job_services
from pollen.jobs.models import Job
from pollen.permissions import Refused
from pollen.places import reports, selectors, services
from pollen.places.importers import read_records
from pollen.places.map_pdf import map_pdf
from pollen.places.records import PlaceRecord, SkippedRow
from pollen.places.sources import LAYOUT_V1, ImportFormatError
from pollen.storage import storage_errors

MAP_PDF = "places.map_pdf"
IMPORT = "places.import"
# What the import's page lists of each kind of row (the counts are always whole).
SHOWN_ROWS = 1000


def start_map_pdf(*, owner: Any, holder: str, radius_km: int, machine: str, language: str) -> Job:
    """Queue the map's PDF for this browser; the same request again while it runs follows the
    first job rather than drawing it twice."""
    params = {"radius_km": radius_km, "machine": machine, "lang": language}
    return job_services.start(
        MAP_PDF, owner=owner, holder=holder, params=params, reuse_pending=True
    )


def known_map_pdf(figures: reports.CoverageFigures, language: str) -> bytes | None:
    """The PDF already drawn (by any process) for the same map in the same language."""
    pdf = cache.get(figures.pdf_key(language))
    return pdf if isinstance(pdf, bytes) else None


def map_pdf_filename(radius_km: int) -> str:
    return f"carte-couverture-{radius_km}km.pdf"


def draw_map_pdf(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """Draws the map and keeps it in the shared cache: the next visitor gets it at once."""
    radius = int(job.params.get("radius_km") or reports.DEFAULT_RADIUS_KM)
    radius = radius if radius in reports.RADII_KM else reports.DEFAULT_RADIUS_KM
    machine = str(job.params.get("machine", ""))
    machine = machine if machine in dict(Machine.choices) else ""
    language = str(job.params.get("lang") or settings.LANGUAGE_CODE)
    with translation.override(language):
        progress(0, 2, gettext("Calcul de la couverture"))
        figures = reports.coverage_figures(radius, machine)
        # Another job may have drawn the same map meanwhile (other visitors, the same minute).
        pdf = known_map_pdf(figures, language)
        if pdf is None:
            progress(1, 2, gettext("Dessin de la carte"))
            pdf = map_pdf(
                figures.shares(),
                figures.map_points(),
                title=figures.title,
                lines=[figures.description],
                table=figures.table(),
            )
            cache.set(figures.pdf_key(language), pdf, timeout=reports.MAP_PDF_CACHE_SECONDS)
    return jobs.Outcome(
        content=pdf, filename=map_pdf_filename(radius), content_type="application/pdf"
    )


def start_import(*, acting_user: User, upload: UploadedFile[bytes], fmt: str) -> Job:
    """Keep the uploaded file in the private storage (any worker on any host reads it there),
    then queue its import. The caller has checked that `acting_user` may add places."""
    original = PurePath(str(upload.name or "lieux")).name
    name = f"imports/lieux/{uuid.uuid4()}/{original}"
    with storage_errors():
        stored = job_services.storage().save(name, upload)
    params = {"file": stored, "filename": original, "fmt": fmt}
    return job_services.start(IMPORT, owner=acting_user, params=params)


def _owner(job: Job) -> User:
    owner = User.objects.filter(pk=job.owner_id).first() if job.owner_id else None
    if owner is None or not selectors.can_create(owner):
        raise jobs.Failed(
            gettext("Vous ne pouvez plus ajouter de lieux : l'import n'a pas été fait.")
        )
    return owner


def import_places(job: Job, progress: jobs.Progress) -> jobs.Outcome:
    """Reads the stored file (rows checked one by one, with progress), then writes it in one
    transaction through services.import_place_file, as the job's owner."""
    owner = _owner(job)
    original = str(job.params.get("filename", ""))
    fmt = str(job.params.get("fmt", ""))
    with tempfile.TemporaryDirectory() as folder:
        # The readers know a file by its extension, as the command's do.
        path = Path(folder) / f"lieux{PurePath(original).suffix.lower()}"
        try:
            with storage_errors(), job_services.storage().open(job.params["file"], "rb") as src:
                path.write_bytes(src.read())
        except FileNotFoundError:
            raise jobs.Failed(
                gettext("Le fichier déposé n'est plus disponible : déposez-le à nouveau.")
            ) from None
        try:
            records, source = read_records(path, fmt)
        except ImportFormatError as exc:
            raise jobs.Failed(str(exc)) from exc
        checked = list(_counted(records, len(source.rows), progress))
    progress(len(checked), len(checked), gettext("Enregistrement des lieux"))
    try:
        report = services.import_place_file(
            acting_user=owner, records=checked, key=job, file_name=original, fmt=fmt
        )
    except Refused as exc:
        raise jobs.Failed(str(exc)) from exc
    data: dict[str, Any] = {
        "file": original,
        "layout": source.layout,
        "counts": report.counts(),
        "created": report.created[:SHOWN_ROWS],
        "updated": report.updated[:SHOWN_ROWS],
        "skipped": [[s.label, s.reason] for s in report.skipped[:SHOWN_ROWS]],
        "warnings": [list(w) for w in report.warnings[:SHOWN_ROWS]],
        "ignored_columns": source.ignored,
    }
    return jobs.Outcome(url=reverse("places:import_result", args=[job.pk]), data=data)


def _counted(
    records: Iterator[PlaceRecord | SkippedRow], total: int, progress: jobs.Progress
) -> Iterator[PlaceRecord | SkippedRow]:
    label = gettext("Lecture des lignes")
    progress(0, total, label)
    for done, record in enumerate(records, 1):
        yield record
        progress(done, total, label)


def layout_label(layout: str) -> str:
    if not layout:
        return ""
    if layout == LAYOUT_V1:
        return gettext("Colonnes du schéma national v1 (v1.0.x).")
    return gettext("Colonnes de l'ancien schéma national (0.1.x).")


def register() -> None:
    jobs.register(MAP_PDF, draw_map_pdf, title=_("Carte de la couverture (PDF)"))
    jobs.register(IMPORT, import_places, title=_("Import de lieux"))
