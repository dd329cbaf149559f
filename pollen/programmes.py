"""The programme wall: staff see and change only the calls of the programmes they belong to.

Administrators (and superusers) are platform-wide. Every other account reaches a call's rows
only through its `User.programmes`; a staff member without a programme reaches none. Pages,
services, the API and exports all ask here (docs/decisions/0011-programme-scoped-staff.md).
"""

from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from pollen.permissions import ALLOWED, Decision

_CACHE = "_programme_ids"


def is_platform_wide(user: Any) -> bool:
    """Administrators see every programme; nobody else does."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and (user.is_superuser or user.role == "admin")
    )


def programmes_of(user: Any) -> frozenset[int]:
    """The ids of the programmes this person works for (read once per user object)."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return frozenset()
    cached: frozenset[int] | None = getattr(user, _CACHE, None)
    if cached is None:
        cached = frozenset(user.programmes.values_list("pk", flat=True))
        setattr(user, _CACHE, cached)
    return cached


def forget_programmes(user: Any) -> None:
    """After a change of membership, the next question reads it again."""
    if hasattr(user, _CACHE):
        delattr(user, _CACHE)


def in_programme(user: Any, call: Any) -> bool:
    """Whether this person may reach the rows of this call (a Call, or anything with
    `programme_id`, such as a Programme's own id given as `programme_id`)."""
    if is_platform_wide(user):
        return True
    programme_id = getattr(call, "programme_id", None)
    return programme_id is not None and programme_id in programmes_of(user)


def programme_wall(user: Any, call: Any) -> Decision:
    """`in_programme` as a Decision that says why, for `require()` and pages."""
    if in_programme(user, call):
        return ALLOWED
    return Decision(False, _("Cet appel relève d'un programme dont vous n'êtes pas l'équipe."))


def for_staff[M: Model](qs: QuerySet[M], user: Any, path: str = "call__programme") -> QuerySet[M]:
    """The rows of the user's programmes only; `path` leads from the row to its Programme."""
    if is_platform_wide(user):
        return qs
    ids = programmes_of(user)
    if not ids:
        return qs.none()
    return qs.filter(**{f"{path}__in": ids})
