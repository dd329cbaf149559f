"""The split of the former `review` app: a database that had it keeps every row (decision 0020).

Each test takes the database back to before instruction and expertise existed, as `migrate`
left it on a server running the `review` app, then migrates it forward as an upgrade would.
"""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from pollen.expertise.models import (
    Assignment,
    ConflictDeclaration,
    ExpertProfile,
    Review,
    ReviewStatus,
    ScoreSummary,
)
from pollen.expertise.selectors import ranking_of
from pollen.instruction.models import Message, PairRule

pytestmark = pytest.mark.django_db(transaction=True)

SPLIT_APPS = [("instruction", None), ("expertise", None)]
# The former app's tables, children first, and its models' content types.
TABLES = (
    "review_pairrule",
    "review_message",
    "review_conflictdeclaration",
    "review_scoresummary",
    "review_review",
    "review_assignment",
    "review_expertprofile",
)
MOVED = {
    "expertise": ("expertprofile", "assignment", "review", "scoresummary", "conflictdeclaration"),
    "instruction": ("message", "pairrule"),
}
WHEN = dt.datetime(2013, 9, 20, 10, 0, tzinfo=dt.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)  # a fresh loader reads what is applied now
    executor.migrate(targets)


def forward():
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def back_to_the_review_app():
    """Unapply the split (its tables stay) and give the content types back to `review`."""
    migrate(SPLIT_APPS)
    MigrationRecorder(connection).record_applied("review", "0001_initial")
    ContentType.objects.filter(app_label__in=MOVED).delete()
    for model in (*MOVED["expertise"], *MOVED["instruction"]):
        ContentType.objects.get_or_create(app_label="review", model=model)


def insert(table, **values):
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values.values()))


def old_rows(world, personas):
    """One row in each table of the `review` app, written with that app's columns."""
    a = world["a"]
    expert, instructor = personas["expert"], personas["instructor"]
    insert(
        "review_expertprofile",
        id=41,
        tags=json.dumps(["machines", "rural"]),
        organisation_name="Université",
        max_load=4,
        is_fictitious=False,
        updated_at=WHEN,
        commune_id="75056",
        user_id=expert.pk,
    )
    insert(
        "review_assignment",
        id=42,
        affinity=2,
        assigned_at=WHEN,
        application_id=a.pk,
        assigned_by_id=instructor.pk,
        expert_id=41,
    )
    insert(
        "review_review",
        id=43,
        scores=json.dumps({"quality": "4"}),
        comments="Solide, budget à préciser.",
        recommendation="fund",
        status="submitted",
        weighted_mean=Decimal("4.0000"),
        started_at=WHEN,
        submitted_at=WHEN,
        assignment_id=42,
    )
    insert(
        "review_scoresummary",
        application_id=a.pk,
        call_id=world["call"].pk,
        review_count=1,
        mean=Decimal("4.0000"),
        normalised=Decimal("4.0000"),
        spread=Decimal("0.0000"),
        disagreement=False,
        rank=1,
        recommendations=json.dumps({"fund": 1}),
        computed_at=WHEN,
    )
    insert(
        "review_conflictdeclaration",
        id=44,
        reason="Ancien salarié",
        declared_at=WHEN,
        application_id=world["b"].pk,
        expert_id=41,
    )
    insert(
        "review_message",
        id=45,
        kind="corrections",
        body="Merci de joindre un RIB lisible.",
        round=1,
        sent_at=WHEN,
        application_id=a.pk,
        author_id=instructor.pk,
    )
    insert(
        "review_pairrule",
        id=46,
        kind="forbid",
        created_at=WHEN,
        application_id=world["b"].pk,
        created_by_id=instructor.pk,
        expert_id=41,
    )


def test_an_upgraded_database_keeps_every_review_row_and_shows_them(client, world, personas):
    back_to_the_review_app()
    old_rows(world, personas)
    permission, _created = Permission.objects.get_or_create(
        content_type=ContentType.objects.get(app_label="review", model="expertprofile"),
        codename="view_expertprofile",
        defaults={"name": "Can view expert profile"},
    )
    try:
        forward()
    finally:
        MigrationRecorder(connection).record_unapplied("review", "0001_initial")

    profile = ExpertProfile.objects.get(pk=41)
    assert (profile.user, profile.tags, profile.commune_id) == (
        personas["expert"],
        ["machines", "rural"],
        "75056",
    )
    assignment = Assignment.objects.get(pk=42, expert=profile, application=world["a"])
    assert assignment.review.status == ReviewStatus.SUBMITTED
    assert Review.objects.get(pk=43).scores == {"quality": "4"}
    assert [s.application_id for s in ranking_of(world["call"])] == [world["a"].pk]
    assert ScoreSummary.objects.get(pk=world["a"].pk).recommendation_counts["fund"] == 1
    assert ConflictDeclaration.objects.get(pk=44).application == world["b"]
    assert Message.objects.get(pk=45).body == "Merci de joindre un RIB lisible."
    assert PairRule.objects.get(pk=46).expert == profile
    # The content types moved with their models, so what pointed at them still does.
    permission.refresh_from_db()
    assert permission.content_type == ContentType.objects.get_for_model(ExpertProfile)
    assert not ContentType.objects.filter(app_label="review").exists()

    # What people see: the instructor's thread and the ranking read the old rows.
    client.force_login(personas["instructor"])
    thread = client.get(reverse("instruction:thread", args=[world["a"].pk]))
    assert "Merci de joindre un RIB lisible." in thread.content.decode()
    reviews = client.get(reverse("expertise:application_reviews", args=[world["a"].pk]))
    assert "Solide, budget à préciser." in reviews.content.decode()


def test_a_new_database_gets_the_tables_the_review_app_used_to_create(personas):
    migrate(SPLIT_APPS)
    with connection.schema_editor() as editor:
        for table in TABLES:
            editor.execute(editor.sql_delete_table % {"table": editor.quote_name(table)})
    assert not set(TABLES) & set(connection.introspection.table_names())

    forward()

    assert set(TABLES) <= set(connection.introspection.table_names())
    profile = ExpertProfile.objects.create(user=personas["expert"], updated_at=WHEN)
    assert ExpertProfile.objects.get(pk=profile.pk).max_load == 6
    assert {ct.app_label for ct in ContentType.objects.filter(model="pairrule")} <= {"instruction"}
