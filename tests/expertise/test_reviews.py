"""Reviews on the call's grid: hidden until one's own is rendered, aggregated, ranked."""

from decimal import Decimal

import pytest
from django.urls import reverse

from pollen.audit.models import AuditEvent
from pollen.domain.review import scoring
from pollen.expertise import review_services
from pollen.expertise.models import Assignment, Review, ReviewStatus, ScoreSummary
from pollen.expertise.scoring_adapter import grid_of
from pollen.expertise.services import ExpertiseError
from pollen.instruction import assignment_services
from tests.conftest import ROOT
from tests.instruction.conftest import mark_complete

CRITERIA = ("quality", "territory", "openness", "economic_model", "budget_realism")


@pytest.fixture
def assigned(world, experts, personas):
    """Both applications complete, two experts each (the call asks for two)."""
    applications = [mark_complete(world[k], personas["instructor"]) for k in ("a", "b")]
    assignment_services.assign_experts(
        acting_user=personas["instructor"], call=world["call"], applications=applications
    )
    return applications


def form_data(marks, recommendation="fund", comments="Solide.", submit=True):
    data = {f"score_{c}": str(m) for c, m in zip(CRITERIA, marks, strict=True)}
    data.update({"recommendation": recommendation, "comments": comments})
    data["submit" if submit else "save"] = "1"
    return data


def render(assignment, marks, recommendation="fund", comments=""):
    return review_services.save_review(
        acting_user=assignment.expert.user,
        assignment=assignment,
        marks={c: Decimal(m) for c, m in zip(CRITERIA, marks, strict=True)},
        comments=comments,
        recommendation=recommendation,
        submit=True,
    )


def test_the_grid_adapter_keeps_criteria_weights_scale_and_threshold(call_2013):
    grid = grid_of(call_2013.spec)
    assert [c.id for c in grid.criteria] == list(CRITERIA)
    assert [c.weight for c in grid.criteria] == [Decimal(3), Decimal(2), Decimal(2), Decimal(2), 1]
    assert (grid.scale_min, grid.scale_max, grid.threshold) == (0, 5, Decimal("1.5"))


def test_an_expert_scores_through_the_form_and_sees_others_only_afterwards(
    client, personas, assigned
):
    a = assigned[0]
    mine = Assignment.objects.get(application=a, expert__user=personas["expert"])
    other = Assignment.objects.filter(application=a).exclude(pk=mine.pk).get()
    render(other, [1, 1, 1, 1, 1], "do_not_fund", "Avis secret de l'autre expert")
    client.force_login(personas["expert"])
    # Before rendering: the other review is nowhere to be seen.
    for url in (reverse("expertise:review", args=[a.pk]), reverse("expertise:my_reviews")):
        assert "Avis secret" not in client.get(url).content.decode()
    assert client.get(reverse("expertise:application_reviews", args=[a.pk])).status_code == 404

    # A draft keeps the marks without counting them.
    client.post(reverse("expertise:review", args=[a.pk]), form_data([4, 4, 4, 4, 4], submit=False))
    assert Review.objects.get(assignment=mine).status == ReviewStatus.DRAFT
    assert ScoreSummary.objects.get(application=a).review_count == 1

    response = client.post(reverse("expertise:review", args=[a.pk]), form_data([5, 4, 4, 3, 2]))
    assert response.url == reverse("expertise:application_reviews", args=[a.pk])
    review = Review.objects.get(assignment=mine)
    # (5×3 + 4×2 + 4×2 + 3×2 + 2×1) / 10 = 3.9
    assert review.status == ReviewStatus.SUBMITTED and review.weighted_mean == Decimal("3.9")
    page = client.get(response.url).content.decode()
    assert "Avis secret de l&#x27;autre expert" in page and "Défavorable" in page
    summary = ScoreSummary.objects.get(application=a)
    assert summary.review_count == 2
    assert summary.mean == Decimal("2.45")  # (3.9 + 1) / 2
    assert summary.disagreement  # 2.9 points apart, threshold 1.5
    assert AuditEvent.objects.filter(action="review.submitted").count() == 2


def test_an_incomplete_review_is_refused_with_each_missing_criterion(client, personas, assigned):
    a = assigned[0]
    client.force_login(personas["expert"])
    data = form_data([5, 4, 4, 3, 2])
    data["score_openness"] = ""
    data["recommendation"] = ""
    page = client.post(reverse("expertise:review", args=[a.pk]), data).content.decode()
    assert "il manque la note du critère « Ouverture au public »" in page
    assert "recommandation" in page
    assert not Review.objects.filter(assignment__application=a, status="submitted").exists()


def test_a_rendered_review_is_final(personas, assigned):
    mine = Assignment.objects.get(application=assigned[0], expert__user=personas["expert"])
    render(mine, [3, 3, 3, 3, 3])
    with pytest.raises(ExpertiseError, match="déjà rendue"):
        render(mine, [5, 5, 5, 5, 5])


def test_nobody_else_renders_a_review_in_an_expert_s_name(personas, assigned):
    mine = Assignment.objects.get(application=assigned[0], expert__user=personas["expert"])
    with pytest.raises(ExpertiseError):
        review_services.save_review(
            acting_user=personas["instructor"],
            assignment=mine,
            marks={},
            comments="",
            recommendation="",
            submit=False,
        )


def test_scores_match_the_domain_and_the_ranking_page_explains_the_method(
    client, personas, assigned, world
):
    a, b = assigned
    marks = {a.pk: ([5, 5, 4, 4, 4], [4, 4, 4, 4, 3]), b.pk: ([2, 2, 3, 2, 2], [3, 2, 2, 2, 1])}
    for application in assigned:
        for assignment, m in zip(
            Assignment.objects.filter(application=application).order_by("expert__user__email"),
            marks[application.pk],
            strict=True,
        ):
            render(assignment, m)
    grid = grid_of(world["call"].spec)
    domain_reviews = [
        scoring.Review(
            str(r.assignment.expert_id),
            str(r.assignment.application_id),
            {k: Decimal(v) for k, v in r.scores.items()},
            r.recommendation,
        )
        for r in Review.objects.select_related("assignment")
    ]
    expected = {s.application_id: s for s in scoring.aggregate_scores(grid, domain_reviews)}
    for summary in ScoreSummary.objects.all():
        assert summary.normalised == expected[str(summary.application_id)].normalised
        assert summary.mean == expected[str(summary.application_id)].mean
    assert list(ScoreSummary.objects.order_by("rank").values_list("application_id", flat=True)) == [
        a.pk,
        b.pk,
    ]
    client.force_login(personas["committee"])
    page = client.get(reverse("expertise:ranking", args=[world["call"].slug])).content.decode()
    assert page.index("Atelier laser à Rennes") < page.index("Fabrique solidaire à Brest")
    assert "Note normalisée" in page and "écart-type" in page and "(1, 2, 2, 4)" in page


def test_the_documentation_carries_the_domain_s_own_explanation_word_for_word():
    method = scoring.__doc__.split("(this text is copied into the documentation):")[1]
    text = (ROOT / "docs" / "review-scoring.md").read_text(encoding="utf-8")
    assert " ".join(method.split()) in " ".join(text.split())
