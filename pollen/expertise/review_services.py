"""Reviews on the call's grid, and the call's aggregated scores and ranking kept up to date."""

import logging
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.models import User
from pollen.audit.services import record_event
from pollen.calls.models import Call
from pollen.domain.review import scoring
from pollen.expertise.models import Assignment, Review, ReviewStatus, ScoreSummary
from pollen.expertise.scoring_adapter import domain_review, grid_of
from pollen.expertise.services import ExpertiseError

logger = logging.getLogger(__name__)


class ReviewRefused(ExpertiseError):
    """A review that cannot be rendered as it is; `problems` says why, criterion by criterion."""

    def __init__(self, problems: tuple[scoring.ReviewProblem, ...]):
        super().__init__(_("L'évaluation est incomplète ou hors de l'échelle de la grille."))
        self.problems = problems


@transaction.atomic
def save_review(
    *,
    acting_user: User,
    assignment: Assignment,
    marks: Mapping[str, Decimal | None],
    comments: str,
    recommendation: str,
    submit: bool,
) -> Review:
    """Save a draft, or render the review (then it is final and the call's scores are recomputed)."""
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("application__call", "expert__user")
        .get(pk=assignment.pk)
    )
    if assignment.expert.user_id != acting_user.pk:
        raise ExpertiseError(_("Cette candidature ne vous est pas confiée."))
    review = Review.objects.filter(assignment=assignment).first()
    if review is not None and review.is_submitted:
        raise ExpertiseError(
            _("Votre évaluation est déjà rendue : elle ne peut plus être modifiée.")
        )
    now = clock.now()
    if review is None:
        review = Review(assignment=assignment, started_at=now)
    review.scores = {k: str(v) for k, v in marks.items() if v is not None}
    review.comments = comments.strip()
    review.recommendation = recommendation
    call = assignment.application.call
    if submit:
        grid = grid_of(call.spec)
        problems = scoring.review_problems(grid, domain_review(review))
        if problems:
            raise ReviewRefused(problems)
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = now
        review.weighted_mean = scoring.weighted_mean(grid, domain_review(review)).quantize(
            scoring.PLACES
        )
    review.save()
    record_event(
        actor=acting_user,
        action="review.submitted" if submit else "review.saved",
        obj=assignment.application,
        after={
            "expert": assignment.expert.user.email,
            "scores": review.scores,
            "recommendation": review.recommendation,
            "weighted_mean": str(review.weighted_mean)
            if review.weighted_mean is not None
            else None,
        },
    )
    if submit:
        refresh_scores(call)
    return review


def refresh_scores(call: Call) -> list[ScoreSummary]:
    """Recompute every application's aggregate: a normalised score depends on all the call's reviews."""
    grid = grid_of(call.spec)
    reviews = []
    for review in Review.objects.filter(
        assignment__application__call=call, status=ReviewStatus.SUBMITTED
    ).select_related("assignment"):
        candidate = domain_review(review)
        if scoring.review_problems(grid, candidate):
            # Only possible if the call's grid changed after the review was rendered.
            logger.warning("review %s no longer fits the grid of %s", review.pk, call.slug)
            continue
        reviews.append(candidate)
    ranked = scoring.rank_applications(scoring.aggregate_scores(grid, reviews))
    now = clock.now()
    rows = [
        ScoreSummary(
            application_id=int(item.score.application_id),
            call=call,
            review_count=item.score.review_count,
            mean=item.score.mean,
            normalised=item.score.normalised,
            spread=item.score.spread,
            disagreement=item.score.disagreement,
            rank=item.rank,
            recommendations=dict(item.score.recommendations),
            computed_at=now,
        )
        for item in ranked
    ]
    ScoreSummary.objects.filter(call=call).delete()
    return ScoreSummary.objects.bulk_create(rows)
