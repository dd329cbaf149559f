"""Reading instruction and review data, always through a permission check that can say why."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollen.accounts.models import Role, User
from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.domain.apply import status as states
from pollen.permissions import ALLOWED, Decision
from pollen.programmes import (
    for_staff,
    in_programme,
    is_platform_wide,
    programme_wall,
    programmes_of,
)
from pollen.review.models import (
    Assignment,
    ConflictDeclaration,
    ExpertProfile,
    Message,
    PairRule,
    Review,
    ReviewStatus,
    ScoreSummary,
)

# Applications an expert may be asked to review: those the committee has yet to decide on.
REVIEWABLE = states.UNDECIDED


def can_instruct(user: User, call: Call | None = None) -> Decision:
    """The programme's team; given a call, only the team of that call's programme."""
    if user.is_authenticated and user.is_programme_staff:
        return programme_wall(user, call) if call is not None else ALLOWED
    return Decision(False, _("L'instruction est réservée à l'équipe du programme."))


def can_post_message(user: User, application: Application) -> Decision:
    """The thread is between the programme's staff and the applicant's organisation."""
    if not user.is_authenticated:
        return Decision(False, _("Connectez-vous pour écrire dans ce fil d'échanges."))
    owner = user.has_role(Role.APPLICANT) and user.organisation_id == application.organisation_id
    if owner or (user.is_programme_staff and in_programme(user, application.call)):
        return Decision(True)
    return Decision(False, _("Vous ne pouvez pas écrire dans ce fil d'échanges."))


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


def _call(slug: str) -> Call:
    call = Call.objects.filter(slug=slug).first()
    if call is None:
        raise Http404(_("Appel introuvable."))
    return call


def access_call_for_instruction(user: User, slug: str) -> Call:
    """The call, for its instructors; a 403 with the reason for anyone else (calls are public)."""
    decision = can_instruct(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    call = _call(slug)
    decision = can_instruct(user, call)
    if not decision:
        raise PermissionDenied(decision.reason)
    return call


def access_call_ranking(user: User, slug: str) -> Call:
    decision = can_read_ranking(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    call = _call(slug)
    decision = can_read_ranking(user, call)
    if not decision:
        raise PermissionDenied(decision.reason)
    return call


def access_application_to_instruct(user: User, pk: int) -> Application:
    """An application for its instructors, 404 for anyone else (ids reveal nothing)."""
    if not can_instruct(user):
        raise Http404(_("Candidature introuvable."))
    application = (
        Application.objects.select_related("call", "organisation", "created_by")
        .filter(pk=pk)
        .first()
    )
    if application is None or not can_instruct(user, application.call):
        raise Http404(_("Candidature introuvable."))
    return application


def access_thread(user: User, pk: int) -> Application:
    """The message thread is the programme team's and the applicant organisation's only."""
    application = (
        Application.objects.select_related("call", "organisation", "created_by")
        .filter(pk=pk)
        .first()
    )
    if application is None or not user.is_authenticated:
        raise Http404(_("Candidature introuvable."))
    if not can_post_message(user, application):
        raise Http404(_("Candidature introuvable."))
    return application


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


def messages_of(application: Application) -> QuerySet[Message]:
    return application.review_messages.select_related("author").order_by("sent_at", "id")


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


def pair_rules_of(call: Call) -> QuerySet[PairRule]:
    return (
        PairRule.objects.filter(application__call=call)
        .select_related("application", "expert__user", "created_by")
        .order_by("application__title", "expert__user__email")
    )


def ranking_of(call: Call) -> QuerySet[ScoreSummary]:
    return (
        ScoreSummary.objects.filter(call=call)
        .select_related(
            "application", "application__organisation", "application__organisation__commune"
        )
        .order_by("rank", "application_id")
    )


def with_assignments(qs: QuerySet[Application]) -> QuerySet[Application]:
    """Each application's experts in one more query, whatever the page size."""
    return qs.prefetch_related(
        Prefetch(
            "review_assignments",
            queryset=Assignment.objects.select_related("expert__user", "review").order_by(
                "expert__user__email"
            ),
        )
    )


def page_of_applications(ids: list[int]) -> list[Application]:
    """One page's rows in the given order, with only what list_rows shows (two queries)."""
    assignments = Assignment.objects.select_related("expert__user", "review").only(
        "application_id", "expert__user__full_name", "expert__user__email", "review__status"
    )
    qs = (
        Application.objects.filter(pk__in=ids)
        .select_related("organisation", "organisation__commune", "score_summary")
        .only(
            *("title", "kind", "round", "status", "eligible", "failed_rules", "requested_amount"),
            *("organisation__legal_name", "organisation__commune__name"),
            "organisation__commune__departement_id",
            *("score_summary__mean", "score_summary__normalised", "score_summary__disagreement"),
        )
        .prefetch_related(Prefetch("review_assignments", queryset=assignments))
    )
    by_pk = {a.pk: a for a in qs}
    return [by_pk[pk] for pk in ids if pk in by_pk]
