"""The instructor's list: filters, search, sorting, pagination, counts, and a flat query count."""

import pytest
from django.urls import reverse

from pollen.accounts.models import User
from pollen.applications.models import Application, Status
from pollen.expertise import review_services
from pollen.expertise.models import Assignment, ScoreSummary
from pollen.instruction import assignment_services
from tests.builders import organisation_for
from tests.instruction.conftest import bulk_applications, make_expert, mark_complete, new_expert


@pytest.fixture
def instructor_client(client, personas):
    client.force_login(personas["instructor"])
    return client


def listed(client, call, **params):
    response = client.get(reverse("instruction:list", args=[call.slug]), params)
    assert response.status_code == 200
    return [row.title for row in response.context["rows"]], response


def test_it_filters_by_status_and_counts_each_status(instructor_client, world, personas):
    call = world["call"]
    mark_complete(world["b"], personas["instructor"])
    titles, response = listed(instructor_client, call, status="complete")
    assert titles == ["Fabrique solidaire à Brest"]
    counts = {value: n for value, _label, n in response.context["counts"]}
    assert counts["submitted"] == 1 and counts["complete"] == 1 and counts["draft"] == 0
    assert response.context["page"].paginator.count == 1
    assert 'data-status="complete"' in response.content.decode()


def test_it_searches_titles_and_organisations_ignoring_case(instructor_client, world):
    call = world["call"]
    assert listed(instructor_client, call, q="LASER")[0] == ["Atelier laser à Rennes"]
    assert listed(instructor_client, call, q="fablab de brest")[0] == ["Fabrique solidaire à Brest"]
    assert listed(instructor_client, call, q="nulle part")[0] == []


def test_it_filters_by_region_departement_kind_and_eligibility(instructor_client, world, personas):
    call = world["call"]
    assert listed(instructor_client, call, departement="29")[0] == ["Fabrique solidaire à Brest"]
    assert len(listed(instructor_client, call, region="53")[0]) == 2
    assert listed(instructor_client, call, region="11")[0] == []
    Application.objects.filter(pk=world["a"].pk).update(kind="creation")
    assert listed(instructor_client, call, kind="creation")[0] == ["Atelier laser à Rennes"]
    Application.objects.filter(pk=world["b"].pk).update(
        eligible=False, failed_rules=["subsidy_max", "deadline"]
    )
    assert listed(instructor_client, call, eligible="no")[0] == ["Fabrique solidaire à Brest"]
    assert listed(instructor_client, call, eligible="yes")[0] == ["Atelier laser à Rennes"]
    assert listed(instructor_client, call, failed_rule="deadline")[0] == [
        "Fabrique solidaire à Brest"
    ]
    assert listed(instructor_client, call, failed_rule="subsidy_min")[0] == []


def test_it_filters_by_score_range_and_by_assigned_expert(
    instructor_client, world, experts, personas
):
    call = world["call"]
    a, b = world["a"], world["b"]
    for application, normalised in ((a, "4.2"), (b, "2.1")):
        ScoreSummary.objects.create(
            application=application,
            call=call,
            review_count=2,
            mean=normalised,
            normalised=normalised,
            spread=0,
            rank=1,
            computed_at=application.updated_at,
        )
    assert listed(instructor_client, call, score_min="3")[0] == ["Atelier laser à Rennes"]
    assert listed(instructor_client, call, score_max="3")[0] == ["Fabrique solidaire à Brest"]
    assert listed(instructor_client, call, sort="score_desc")[0][0] == "Atelier laser à Rennes"
    mark_complete(b, personas["instructor"])
    assignment_services.assign_experts(
        acting_user=personas["instructor"], call=call, applications=[b]
    )
    lyon = experts["lyon"]
    assert listed(instructor_client, call, expert=str(lyon.pk))[0] == ["Fabrique solidaire à Brest"]


def test_it_sorts_and_paginates_without_overlap(instructor_client, world, personas):
    call = world["call"]
    bulk_applications(call, personas["applicant"], 45)
    first, response = listed(instructor_client, call, sort="title", per_page="20")
    second, _ = listed(instructor_client, call, sort="title", per_page="20", page="2")
    third, _ = listed(instructor_client, call, sort="title", per_page="20", page="3")
    assert response.context["page"].paginator.count == 47
    assert first == sorted(first) and len(first) == 20 and len(third) == 7
    assert not set(first) & set(second)
    assert "page=2" in response.content.decode()


def test_an_invalid_filter_is_ignored_not_an_error(instructor_client, world):
    titles, _ = listed(
        instructor_client, world["call"], status="nonsense", score_min="abc", sort="x"
    )
    assert len(titles) == 2


@pytest.mark.parametrize("size", [5, 50])
def test_the_number_of_queries_does_not_grow_with_the_page_size(
    instructor_client, call_2013, personas, experts_only, size, django_assert_max_num_queries
):
    organisation_for(personas["applicant"])
    applications = bulk_applications(call_2013, personas["applicant"], size, status=Status.COMPLETE)
    assignment_services.assign_experts(
        acting_user=personas["instructor"], call=call_2013, applications=applications
    )
    for assignment in Assignment.objects.filter(expert__user=personas["expert"])[:3]:
        review_services.save_review(
            acting_user=personas["expert"],
            assignment=assignment,
            marks={},
            comments="",
            recommendation="",
            submit=False,
        )
    url = reverse("instruction:list", args=[call_2013.slug])
    with django_assert_max_num_queries(11):
        response = instructor_client.get(url, {"per_page": "100", "region": "53", "sort": "title"})
    assert len(response.context["rows"]) == size
    assert response.content.decode().count("expert") >= size


@pytest.fixture
def experts_only(call_2013, personas):
    make_expert(personas["expert"], commune="75056", max_load=100)
    new_expert("second@test.example", commune="69123", max_load=100)


def test_names_in_the_filter_options_are_escaped(instructor_client, world):
    new_expert("xss@test.example", commune="75056")
    User.objects.filter(email="xss@test.example").update(full_name='<script>alert("x")</script>')
    page = instructor_client.get(
        reverse("instruction:list", args=[world["call"].slug])
    ).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
