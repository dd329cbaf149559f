"""Each person's space: their applications and grants, or the entry points of their role's work.

It reads every app's selectors, so it sits above them all (import-linter's layers): accounts,
below the apps, only signs people in.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from pollen.accounts.invitations import can_invite
from pollen.accounts.models import COMMITTEE_ROLES, AuthedRequest, Role, User
from pollen.applications.selectors import applications_of
from pollen.calls.models import Call
from pollen.calls.selectors import published_calls
from pollen.grants.selectors import grants_of
from pollen.programmes import in_programme, is_platform_wide


def _work_links(user: User, calls: list[Call]) -> list[tuple[str, str]]:
    """The entry points of each role's work, as (label, url)."""
    links: list[tuple[str, str]] = []
    if user.is_programme_staff:
        links += [
            (
                _("Instruction — %(title)s") % {"title": c.slug},
                reverse("instruction:list", args=[c.slug]),
            )
            for c in calls
        ]
        links += [
            (_("Experts"), reverse("instruction:experts")),
            (_("Subventions"), reverse("grants:list")),
            (_("Changements de bénéficiaire"), reverse("accounts:organisation_changes")),
        ]
    if user.is_programme_staff or user.has_role(Role.COMMITTEE):
        links += [
            (
                _("Classement — %(title)s") % {"title": c.slug},
                reverse("expertise:ranking", args=[c.slug]),
            )
            for c in calls
        ]
        if user.role in COMMITTEE_ROLES:  # selection.can_sit: instructors prepare, never sit
            links.append((_("Comité de sélection"), reverse("selection:index")))
    if user.is_programme_staff or user.has_role(Role.FINANCE):
        links.append((_("Versements"), reverse("grants:payments")))
        links += [
            (
                _("Enveloppe — %(programme)s") % {"programme": slug},
                reverse("grants:dashboard", args=[slug]),
            )
            for slug in sorted({c.programme.slug for c in calls})
        ]
    if user.has_role(Role.EXPERT):
        links += [
            (_("Mes évaluations"), reverse("expertise:my_reviews")),
            (_("Mon profil d'expert"), reverse("expertise:my_profile")),
        ]
    return links


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    user = request.user
    calls = list(published_calls())
    is_applicant = user.role == Role.APPLICANT
    programmes = [] if is_applicant else list(user.programmes.order_by("name"))
    return render(
        request,
        "dashboard/index.html",
        {
            "applications": applications_of(user)[:200],
            "calls": calls,
            "is_applicant": is_applicant,
            "programmes": programmes,
            "inviting_into": [p for p in programmes if can_invite(user, p)],
            "platform_wide": is_platform_wide(user),
            "work_links": _work_links(user, [c for c in calls if in_programme(user, c)]),
            "grants": grants_of(user) if user.role == Role.APPLICANT else [],
        },
    )
