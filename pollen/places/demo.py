"""Demo places: one per fictitious organisation of the demo, with its machines and hours."""

from django.db import transaction

from pollen.accounts.models import Organisation
from pollen.applications.models import Status
from pollen.places import services
from pollen.places.models import Place, PlaceKind
from pollen.places.records import PlaceRecord

DEMO_SOURCE = "pollen-demo"


@transaction.atomic
def load_places_demo() -> services.ImportReport:
    """Idempotent: a place per fictitious organisation that has a commune with a point,
    linked to the organisation and, when it was selected, to its application."""
    organisations = (
        Organisation.objects.filter(is_fictitious=True, commune__latitude__isnull=False)
        .select_related("commune")
        .prefetch_related("applications")
        .order_by("siret", "pk")
    )
    records, links = [], {}
    for org in organisations:
        record = _record_of(org)
        records.append(record)
        selected = [a for a in org.applications.all() if a.status == Status.SELECTED]
        links[record.source_id] = (org.pk, selected[0].pk if selected else None)
    report = services.import_records(records)
    for place in Place.objects.filter(source=DEMO_SOURCE):
        if place.source_id in links:
            org_pk, application_pk = links[place.source_id]
            services.update_place(
                acting_user=None,
                place=place,
                values={"organisation_id": org_pk, "application_id": application_pk},
            )
    Place.objects.filter(source=DEMO_SOURCE).update(is_fictitious=True)
    return report


def _record_of(org: Organisation) -> PlaceRecord:
    commune = org.commune
    assert commune is not None and commune.latitude is not None and commune.longitude is not None
    return PlaceRecord(
        source=DEMO_SOURCE,
        source_id=f"org-{org.siret}-{org.pk}",
        name=org.legal_name,
        kind=PlaceKind.FABLAB if org.is_fablab else PlaceKind.OTHER,
        latitude=commune.latitude,
        longitude=commune.longitude,
        approximate=True,
        commune_id=commune.code,
        address=org.address,
        postal_code=commune.main_postal_code,
        machines=list(org.machines),
        other_machines=[],
        opening_hours=org.opening_hours,
        website=org.website,
    )
