"""Reading experts, their assignments, reviews and scores, through checks that can say why."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollen.accounts.models import Role, User
from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.domain.apply import status as states
from pollen.expertise.models import (
    Assignment,
    ConflictDeclaration,
    ExpertProfile,
    Review,
    ReviewStatus,
    ScoreSummary,
)
from pollen.permissions import ALLOWED, Decision
from pollen.programmes import for_staff, is_platform_wide, programme_wall, programmes_of

# Applications an expert may be asked to review: those the committee has yet to decide on.
REVIEWABLE = states.UNDECIDED


def can_read_ranking(user: User, call: Call | None = None) -> Decision:
    if user.is_authenticated and (user.is_programme_staff or user.has_role(Role.COMMITTEE)):
        return programme_wall(user, call) if call is not None else ALLOWED
    return Decision(
        False, _("Le classement est réservé à l'équipe du programme et aux membres du comité.")
    )


def can_review(user: User) -> Decision:
    if user.is_authenticated and user.has_role(Role.EXPERT):
        return Decision(True)
    return Decision(False, _("Cette page est réservée aux experts."))


def can_edit_expert_profile(user: User, expert: User) -> Decision:
    """An expert keeps their own profile; the staff keep those of their programmes' experts."""
    if not user.is_authenticated:
        return Decision(False, _("Seul l'expert ou l'équipe du programme modifie ce profil."))
    if user.pk == expert.pk or is_platform_wide(user):
        return Decision(True)
    if user.is_programme_staff and programmes_of(user) & programmes_of(expert):
        return Decision(True)
    return Decision(False, _("Seul l'expert ou l'équipe du programme modifie ce profil."))


def can_declare_conflict(user: User, profile: ExpertProfile) -> Decision:
    if user.is_authenticated and user.pk == profile.user_id:
        return Decision(True)
    return Decision(False, _("Seul l'expert déclare ses propres conflits d'intérêts."))


def call_by_slug(slug: str) -> Call:
    call = Call.objects.filter(slug=slug).first()
    if call is None:
        raise Http404(_("Appel introuvable."))
    return call


def access_call_ranking(user: User, slug: str) -> Call:
    decision = can_read_ranking(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    call = call_by_slug(slug)
    decision = can_read_ranking(user, call)
    if not decision:
        raise PermissionDenied(decision.reason)
    return call


def access_expert_profile(user: User) -> ExpertProfile | None:
    """The expert's own profile (None until they describe themselves); 403 for non-experts."""
    decision = can_review(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    return ExpertProfile.objects.filter(user=user).select_related("commune").first()


def access_assignment(user: User, application_pk: int) -> Assignment:
    """The expert's own assignment on this application; 404 for anyone else."""
    assignment = (
        Assignment.objects.select_related(
            "application", "application__call", "application__organisation", "expert__user"
        )
        .filter(application_id=application_pk, expert__user_id=user.pk)
        .first()
    )
    if assignment is None or not can_review(user):
        raise Http404(_("Affectation introuvable."))
    return assignment


def access_application_reviews(user: User, pk: int) -> Application:
    """Reviews of an application: instructors and committee; an expert once theirs is rendered."""
    application = Application.objects.select_related("call", "organisation").filter(pk=pk).first()
    if application is None or not user.is_authenticated:
        raise Http404(_("Candidature introuvable."))
    if can_read_ranking(user, application.call):
        return application
    rendered = Review.objects.filter(
        assignment__application=application,
        assignment__expert__user_id=user.pk,
        status=ReviewStatus.SUBMITTED,
    ).exists()
    if user.has_role(Role.EXPERT) and rendered:
        return application
    raise Http404(_("Candidature introuvable."))


def experts(call: Call | None = None, *, user: User | None = None) -> QuerySet[ExpertProfile]:
    """Active experts; of one call's programme (whom it may be given), or of the user's."""
    qs = ExpertProfile.objects.filter(user__is_active=True, user__role=Role.EXPERT)
    if call is not None:
        qs = qs.filter(user__programmes=call.programme_id)
    if user is not None:
        qs = for_staff(qs, user, path="user__programmes").distinct()
    return qs.select_related("user", "commune")


def expert_choices(call: Call) -> list[tuple[str, str]]:
    rows = experts(call).order_by("user__full_name", "user__email")
    return [
        (str(pk), name or email)
        for pk, name, email in rows.values_list("pk", "user__full_name", "user__email")
    ]


def assignments_of(profile: ExpertProfile) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(expert=profile)
        .select_related(
            "application", "application__call", "application__organisation__commune", "review"
        )
        .order_by("application__call__slug", "application__title", "application_id")
    )


def reviews_of(application: Application) -> QuerySet[Review]:
    return Review.objects.filter(assignment__application=application).select_related(
        "assignment__expert__user"
    )


def declared_conflicts(profile: ExpertProfile) -> QuerySet[ConflictDeclaration]:
    return profile.conflicts.select_related("application", "application__call")


def applications_under_review(
    call: Call | None = None, *, user: User | None = None
) -> QuerySet[Application]:
    """What experts may declare conflicts on: submitted or complete applications (of the
    user's programmes when a user is given)."""
    qs = Application.objects.filter(status__in=REVIEWABLE).select_related(
        "call", "organisation", "organisation__commune"
    )
    if user is not None:
        qs = for_staff(qs, user)
    if call is not None:
        qs = qs.filter(call=call)
    return qs.order_by("call__slug", "title", "id")


def ranking_of(call: Call) -> QuerySet[ScoreSummary]:
    return (
        ScoreSummary.objects.filter(call=call)
        .select_related(
            "application", "application__organisation", "application__organisation__commune"
        )
        .order_by("rank", "application_id")
    )
