"""Reading instruction data, always through a permission check that can say why."""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollen.accounts.models import Role, User
from pollen.applications.models import Application
from pollen.calls.models import Call
from pollen.expertise.models import Assignment
from pollen.expertise.selectors import call_by_slug
from pollen.instruction.models import Message, PairRule
from pollen.permissions import ALLOWED, Decision
from pollen.programmes import in_programme, programme_wall


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


def access_call_for_instruction(user: User, slug: str) -> Call:
    """The call, for its instructors; a 403 with the reason for anyone else (calls are public)."""
    decision = can_instruct(user)
    if not decision:
        raise PermissionDenied(decision.reason)
    call = call_by_slug(slug)
    decision = can_instruct(user, call)
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


def messages_of(application: Application) -> QuerySet[Message]:
    return application.review_messages.select_related("author").order_by("sent_at", "id")


def pair_rules_of(call: Call) -> QuerySet[PairRule]:
    return (
        PairRule.objects.filter(application__call=call)
        .select_related("application", "expert__user", "created_by")
        .order_by("application__title", "expert__user__email")
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
