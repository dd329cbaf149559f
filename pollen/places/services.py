"""Every change to a place goes through here: atomic, audited with before and after."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.models import User
from pollen.audit.models import AuditEvent
from pollen.audit.services import record_event
from pollen.permissions import require
from pollen.places import selectors
from pollen.places.models import Place, PlaceStatus
from pollen.places.records import PlaceRecord, SkippedRow, check_opening_hours
from pollen.territory.sources import search_key

# What the audit keeps of a place: every field a person or a source can change.
AUDITED_FIELDS = (
    "name",
    "kind",
    "status",
    "address",
    "postal_code",
    "commune_id",
    "latitude",
    "longitude",
    "approximate",
    "machines",
    "other_machines",
    "services",
    "opening_hours",
    "opening_hours_parsed",
    "access_conditions",
    "website",
    "phone",
    "email",
    "verified_on",
    "source",
    "source_id",
    "source_kind",
    "siret",
    "organisation_id",
    "application_id",
)
EDITABLE_FIELDS = frozenset(AUDITED_FIELDS) - {"source", "source_id", "opening_hours_parsed"}


class PlaceError(Exception):
    """A refused change; the message is French and meant for the person who tried."""


def place_state(place: Place) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for name in AUDITED_FIELDS:
        value = getattr(place, name)
        state[name] = value.isoformat() if isinstance(value, date) else value
    return state


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def _apply(place: Place, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(place, name, value)
    place.search_name = search_key(place.name)
    if "opening_hours" in values:
        place.opening_hours_parsed, place.opening_hours_error = check_opening_hours(
            place.opening_hours
        )


def _unknown_fields(values: dict[str, Any]) -> None:
    unknown = set(values) - EDITABLE_FIELDS
    if unknown:
        raise PlaceError(_("Champs non modifiables : %(f)s.") % {"f": ", ".join(sorted(unknown))})


@transaction.atomic
def create_place(*, acting_user: User | None, values: dict[str, Any]) -> Place:
    """A new place (by a manager, or the demo); one audit event with its whole state."""
    if acting_user is not None:  # None: an import or the demo, run by the server's operator
        require(selectors.can_create(acting_user))
    _unknown_fields(values)
    now = clock.now()
    place = Place(created_at=now, updated_at=now)
    _apply(place, values)
    place.save()
    record_event(actor=acting_user, action="place.created", obj=place, after=place_state(place))
    return place


@transaction.atomic
def update_place(*, acting_user: User | None, place: Place, values: dict[str, Any]) -> Place:
    """Change some fields; one audit event with the changed fields before and after."""
    _unknown_fields(values)
    place = Place.objects.select_for_update(of=("self",)).get(pk=place.pk)
    if acting_user is not None:  # None: an import or the demo, run by the server's operator
        require(selectors.can_edit(acting_user, place))
    before = place_state(place)
    _apply(place, values)
    before_changed, after_changed = _diff(before, place_state(place))
    if acting_user is not None and after_changed.keys() & {"organisation_id", "application_id"}:
        require(selectors.can_link(acting_user))
    if after_changed:
        place.updated_at = clock.now()
        place.save()
        record_event(
            actor=acting_user,
            action="place.edited",
            obj=place,
            before=before_changed,
            after=after_changed,
        )
    return place


@dataclass
class ImportReport:
    """What an import did, row by row, with the reasons for what it skipped."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _(
            "%(c)s lieu(x) créé(s), %(u)s mis à jour, %(n)s inchangé(s), %(s)s ignoré(s), "
            "%(w)s avertissement(s)."
        ) % {
            "c": len(self.created),
            "u": len(self.updated),
            "n": len(self.unchanged),
            "s": len(self.skipped),
            "w": len(self.warnings),
        }

    def counts(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "skipped": len(self.skipped),
            "warnings": len(self.warnings),
        }


@transaction.atomic
def import_records(
    records: Iterable[PlaceRecord | SkippedRow], *, acting_user: User | None = None
) -> ImportReport:
    """Create or update places by (source, source id); a refused row rolls back its own
    savepoint only, and the whole file is one transaction (never half-written)."""
    report = ImportReport()
    seen: set[tuple[str, str]] = set()
    for record in records:
        if isinstance(record, SkippedRow):
            report.skipped.append(record)
            continue
        key = (record.source, record.source_id)
        label = f"{record.source}:{record.source_id} « {record.name} »"
        if key in seen:
            report.skipped.append(SkippedRow(label, _("identifiant en double dans le fichier")))
            continue
        seen.add(key)
        try:
            outcome = _import_one(record, acting_user)
        except (IntegrityError, ValueError) as exc:
            report.skipped.append(SkippedRow(label, _("refusé par la base : %(e)s") % {"e": exc}))
            continue
        getattr(report, outcome).append(label)
        report.warnings.extend((label, warning) for warning in record.warnings)
    return report


@transaction.atomic
def _import_one(record: PlaceRecord, acting_user: User | None) -> str:
    place = (
        Place.objects.select_for_update(of=("self",))
        .filter(source=record.source, source_id=record.source_id)
        .first()
    )
    if place is None:
        _create_from(record, acting_user)
        return "created"
    return "updated" if _update_from(place, record, acting_user) else "unchanged"


def _create_from(record: PlaceRecord, acting_user: User | None) -> Place:
    now = clock.now()
    place = Place(
        source=record.source,
        source_id=record.source_id,
        status=PlaceStatus.ACTIVE,
        created_at=now,
        updated_at=now,
    )
    _apply(place, record.fields())
    place.save()
    record_event(
        actor=acting_user,
        action="place.imported",
        obj=place,
        after=place_state(place),
        note=record.source,
    )
    return place


def _update_from(place: Place, record: PlaceRecord, acting_user: User | None) -> bool:
    """Apply what the source says now; True (and one audit event) when something changed."""
    before = place_state(place)
    _apply(place, record.fields())
    before_changed, after_changed = _diff(before, place_state(place))
    if acting_user is not None and after_changed.keys() & {"organisation_id", "application_id"}:
        require(selectors.can_link(acting_user))
    if not after_changed:
        return False
    place.updated_at = clock.now()
    place.save()
    record_event(
        actor=acting_user,
        action="place.reimported",
        obj=place,
        before=before_changed,
        after=after_changed,
        note=record.source,
    )
    return True


def import_place_file(
    *,
    acting_user: User,
    records: Iterable[PlaceRecord | SkippedRow],
    key: models.Model,
    file_name: str,
    fmt: str,
) -> ImportReport:
    """A file imported from the page, by someone who may add places: its rows as
    import_records (one event per place changed), and one event for the file on `key` (the job
    that ran it); a second run finds that event and writes no other."""
    require(selectors.can_create(acting_user))
    with transaction.atomic():
        report = import_records(records, acting_user=acting_user)
        done = AuditEvent.objects.filter(
            action="places.file_imported",
            object_type=key._meta.label_lower,
            object_id=str(key.pk),
        )
        if not done.exists():
            record_event(
                actor=acting_user,
                action="places.file_imported",
                obj=key,
                after={"file": file_name, "format": fmt, **report.counts()},
                note=file_name,
            )
    return report
