"""The anonymous siting page: answers shared by every process, new solves counted per address."""

import pytest
from django.urls import reverse

from pollen.places import reports

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(finistere, make_place):
    make_place("Fablab de Quimper", "29232")
    make_place("Atelier de Douarnenez", "29046", latitude=48.05, longitude=-4.25)


def ask(client, k, address="203.0.113.7"):
    return client.get(
        reverse("places:siting"),
        {"k": k, "radius_km": 10, "min_population": 10000},
        REMOTE_ADDR=address,
    )


def test_new_questions_beyond_the_limit_are_refused_with_when_to_retry(
    client, places, settings, one_window
):
    settings.POLLEN_SITING_SOLVES_PER_MINUTE = 2
    assert ask(client, 1).status_code == 200
    assert ask(client, 2).status_code == 200
    refused = ask(client, 3)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    html = refused.content.decode()
    assert "Trop de nouveaux calculs demandés depuis votre adresse" in html
    assert "report" not in refused.context or refused.context.get("report") is None
    # A question already answered costs nothing and is still served to the same address.
    again = ask(client, 1)
    assert again.status_code == 200 and again.context["report"].k == 1
    # Another address has its own count.
    assert ask(client, 3, address="198.51.100.9").status_code == 200


def test_an_answer_computed_by_one_process_is_served_to_another_without_solving(
    client, places, monkeypatch
):
    first = ask(client, 1)
    assert first.status_code == 200
    reports.reset_caches()  # another process: no model and no local results yet

    def no_solver(*args, **kwargs):
        raise AssertionError("the solver ran again for a question already answered")

    monkeypatch.setattr(reports, "choose_sites", no_solver)
    second = ask(client, 1)
    assert second.status_code == 200
    assert (
        second.context["report"].greedy.newly_covered_population
        == first.context["report"].greedy.newly_covered_population
    )


def test_the_same_question_with_places_changed_is_a_new_question(client, places, make_place):
    first = ask(client, 1).context["report"]
    make_place("Nouveau fablab", "29019")
    second = ask(client, 1).context["report"]
    assert second is not first
    assert second.greedy.newly_covered_population <= first.greedy.newly_covered_population
