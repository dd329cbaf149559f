"""Reading places: who may change one (with the reason), and the points the maths work on."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollen.accounts.models import Role, User
from pollen.permissions import Decision
from pollen.places.models import Place, PlaceStatus

EDITOR_ROLES = (Role.MANAGER, Role.ADMIN)


def can_create(user: User) -> Decision:
    if not user.is_authenticated:
        return Decision(False, _("Connectez-vous pour ajouter un lieu."))
    if user.has_role(*EDITOR_ROLES):
        return Decision(True)
    return Decision(False, _("Seuls les responsables de programme ajoutent des lieux."))


def can_edit(user: User, place: Place) -> Decision:
    if not user.is_authenticated:
        return Decision(False, _("Connectez-vous pour modifier ce lieu."))
    if user.has_role(*EDITOR_ROLES):
        return Decision(True)
    if user.is_active and place.organisation_id and user.organisation_id == place.organisation_id:
        return Decision(True)
    return Decision(
        False,
        _("Seuls les responsables de programme et la structure du lieu peuvent le modifier."),
    )


def can_link(user: User) -> Decision:
    """Linking a place to an organisation or a funded application is a programme decision."""
    if user.is_authenticated and user.has_role(*EDITOR_ROLES):
        return Decision(True)
    return Decision(False, _("Seuls les responsables de programme relient un lieu à un dossier."))


def access_place(pk: int) -> Place:
    """A place of the public directory, with what its page shows, or 404."""
    place = (
        Place.objects.select_related(
            "commune", "commune__departement", "organisation", "application"
        )
        .filter(pk=pk)
        .first()
    )
    if place is None:
        raise Http404(_("Lieu introuvable."))
    return place


def places_to_export() -> QuerySet[Place]:
    """Open places, as the national map wants them."""
    return (
        Place.objects.filter(status=PlaceStatus.ACTIVE)
        .select_related("commune", "organisation")
        .order_by("id")
    )


@dataclass(frozen=True)
class PlacePoint:
    pk: int
    name: str
    lat: float
    lon: float
    approximate: bool


def active_points(machine: str = "") -> list[PlacePoint]:
    """Open places with a point, optionally only those with a machine (filtered here: the
    machines are a JSON list, which SQLite cannot search inside)."""
    rows = (
        Place.objects.filter(
            status=PlaceStatus.ACTIVE, latitude__isnull=False, longitude__isnull=False
        )
        .order_by("id")
        .values_list("pk", "name", "latitude", "longitude", "approximate", "machines")
    )
    return [
        PlacePoint(pk, name, lat, lon, approximate)
        for pk, name, lat, lon, approximate, machines in rows
        if lat is not None and lon is not None and (not machine or machine in (machines or []))
    ]
