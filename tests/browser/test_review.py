"""Instruction and review in a real browser: filter, complete, assign, score, aggregate, rank."""

from decimal import Decimal

import pytest

from pollen.demo.personas import DEMO_PASSWORD
from pollen.expertise import review_services
from pollen.expertise.models import Assignment, Review, ScoreSummary
from tests.browser.conftest import login
from tests.builders import organisation_for
from tests.instruction.conftest import make_expert, new_expert, submitted_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def review_world(call_2013, personas):
    organisation_for(personas["applicant"], name="Fablab de Rennes")
    organisation_for(
        personas["applicant_b"], siret="44306184100047", commune="29019", name="Fablab de Brest"
    )
    rennes = submitted_application(call_2013, personas["applicant"], "Atelier laser à Rennes")
    submitted_application(call_2013, personas["applicant_b"], "Fabrique solidaire à Brest")
    make_expert(personas["expert"], commune="75056", organisation="Université", tags=("machines",))
    new_expert("lyon@test.example", commune="69123", tags=("education",))
    return rennes


def switch_user(page, email):
    page.context.clear_cookies()
    login(page, email, DEMO_PASSWORD)


def test_the_instructor_filters_assigns_an_expert_scores_and_the_ranking_follows(
    page, personas, review_world
):
    rennes = review_world
    login(page, personas["instructor"].email, DEMO_PASSWORD)
    page.goto(f"{page.base}/instruction/appels/fablabs-2013/")
    assert page.locator("#applications tbody tr").count() == 2

    page.get_by_label("Rechercher (titre ou structure)").fill("rennes")
    page.locator("#id_departement").select_option("35")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**q=rennes**")
    rows = page.locator("#applications tbody tr")
    assert rows.count() == 1 and "Atelier laser à Rennes" in rows.first.inner_text()

    page.locator(f"#select-{rennes.pk}").check(force=True)
    page.locator("#id_action").select_option("complete")
    page.get_by_role("button", name="Appliquer").click()
    page.wait_for_selector("text=1 candidature(s) traitée(s).")
    assert "q=rennes" in page.url  # the filters survive the action
    assert page.locator(f'tr[data-application="{rennes.pk}"] [data-status="complete"]').count()

    page.locator("#run-assignment").click()
    page.wait_for_selector("text=Affectation enregistrée")
    experts = page.locator(f'tr[data-application="{rennes.pk}"] .pollen-experts').inner_text()
    assert "expert" in experts and "lyon" in experts

    # The expert scores on the call's grid.
    switch_user(page, personas["expert"].email)
    page.goto(f"{page.base}/instruction/mes-evaluations/")
    page.get_by_role("link", name="Atelier laser à Rennes").click()
    for criterion, mark in (
        ("quality", "5"),
        ("territory", "4"),
        ("openness", "4"),
        ("economic_model", "3"),
        ("budget_realism", "2"),
    ):
        page.locator(f"#id_score_{criterion}").select_option(mark)
    page.locator("#id_recommendation").select_option("fund")
    page.get_by_label("Commentaires").fill("Projet solide, budget réaliste.")
    page.get_by_role("button", name="Rendre mon évaluation").click()
    page.wait_for_url(f"**/instruction/candidatures/{rennes.pk}/evaluations/")
    assert page.locator("#mean").inner_text() == "3,90"

    # The second expert renders theirs (outside the browser), far apart: disagreement.
    other = Assignment.objects.exclude(expert__user=personas["expert"]).get(application=rennes)
    review_services.save_review(
        acting_user=other.expert.user,
        assignment=other,
        marks={c.id: Decimal(1) for c in rennes.call.spec.scoring.criteria},
        comments="Trop flou.",
        recommendation="do_not_fund",
        submit=True,
    )
    assert Review.objects.filter(status="submitted").count() == 2

    switch_user(page, personas["instructor"].email)
    page.goto(f"{page.base}/instruction/candidatures/{rennes.pk}/evaluations/")
    assert page.locator("#mean").inner_text() == "2,45"
    assert page.locator("#disagreement").is_visible()
    page.get_by_role("link", name="Voir le classement").click()
    ranking = page.locator("#ranking tbody tr")
    assert ranking.count() == 1
    assert "Atelier laser à Rennes" in ranking.first.inner_text()
    summary = ScoreSummary.objects.get(application=rennes)
    assert f"{summary.normalised:.2f}".replace(".", ",") in ranking.first.inner_text()
    assert "écart-type" in page.locator("#scoring-method").inner_text()
