"""Awards as open data in the SCDL « subventions » schema 2.1.1, streamed row by row."""

import csv
import io
import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import CharField, Count, Max, Min
from django.db.models.functions import Cast

from pollen.calls.models import Call
from pollen.exports import safe_row
from pollen.grants.models import Grant, Payment

SCHEMA_VERSION = "2.1.1"
NATURE = "aide en numéraire"
OBJET_MAX = 256
CHUNK = 2000


def schema_path() -> Path:
    """Read in place from the reference data, never copied into the repository."""
    return Path(settings.DATA_DIR) / "scdl-subventions" / "schema.json"


@lru_cache(maxsize=4)
def _schema(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def schema() -> dict[str, Any]:
    return _schema(str(schema_path()))


def field_names() -> list[str]:
    return [f["name"] for f in schema()["fields"]]


COLUMNS = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
)


def awards() -> Any:
    """Signed grants only: the schema requires the agreement's date (dateConvention).

    Dates are read as ISO text: converting them to dates and back costs a third of the export.
    """
    return (
        Grant.objects.filter(signed_on__isnull=False)
        .order_by("id")
        .annotate(signed=Cast("signed_on", CharField()))
        .values_list(
            "id",
            "call_id",
            "signed",
            "reference",
            "beneficiary_name",  # as agreed: a later change of the organisation does not apply
            "beneficiary_siret",
            "application__title",
            "awarded_cents",
        )
    )


def _schedules() -> Iterator[tuple[int, int, str, str]]:
    """(grant id, tranches, first due date, last due date) as ISO text, in grant id order."""
    return (
        Payment.objects.order_by("grant_id")
        .values("grant_id")
        .annotate(
            n=Count("id"),
            first=Cast(Min("due_on"), CharField()),
            last=Cast(Max("due_on"), CharField()),
        )
        .values_list("grant_id", "n", "first", "last")
        .iterator(chunk_size=CHUNK)
    )


def _funders() -> dict[int, tuple[str, str]]:
    return {call.pk: (call.funder, call.spec.funder_siret) for call in Call.objects.all()}


def _euros(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def records() -> Iterator[list[str]]:
    """One row per award (one beneficiary each), columns in COLUMNS order.

    Two ordered queries merged by grant id: a GROUP BY over the joined grants costs twice as much.
    """
    if tuple(field_names()) != COLUMNS:
        raise RuntimeError("Le schéma SCDL lu ne correspond pas aux colonnes attendues (2.1.1).")
    funders = _funders()
    schedules = _schedules()
    schedule = next(schedules, None)
    for pk, call_id, signed_on, ref, name, siret, title, cents in awards().iterator(CHUNK):
        while schedule is not None and schedule[0] < pk:
            schedule = next(schedules, None)
        _, tranches, first, last = (
            schedule if schedule and schedule[0] == pk else (pk, 0, None, None)
        )
        funder, funder_siret = funders[call_id]
        staggered = tranches > 1 and first != last
        dates = f"{first}/{last}" if staggered else str(first or signed_on)
        yield [
            funder,
            funder_siret,
            signed_on,
            ref,
            name,
            "".join(siret.split()),
            "",
            title[:OBJET_MAX],
            _euros(cents),
            NATURE,
            "échelonné" if staggered else "unique",
            dates,
            "",
            "non",
            # The beneficiary's share of the subsidy (schema 2.1.1): 1.00 for a single beneficiary.
            "1.00",
            "",
        ]


def rows() -> Iterator[dict[str, str]]:
    """The same rows keyed by the schema's column names (API, tests)."""
    for record in records():
        yield dict(zip(COLUMNS, record, strict=True))


def csv_chunks(counter: list[int] | None = None) -> Iterator[str]:
    """The CSV text in chunks of CHUNK rows, so memory stays flat however many awards there are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for record in records():
        writer.writerow(safe_row(record))
        count += 1
        if count % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
    if counter is not None:
        counter.append(count)


def write_csv(path: Path) -> int:
    """Write the export to a file; returns the number of awards."""
    counter: list[int] = []
    with open(path, "w", encoding="utf-8", newline="") as handle:
        for chunk in csv_chunks(counter):
            handle.write(chunk)
    return counter[0]
