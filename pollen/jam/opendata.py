"""A jam's proposals, comments and dot counts as open data, nothing about who wrote them."""

import csv
import datetime as dt
import io
from typing import Any

from django.db.models import Count
from django.utils import translation

from pollen import clock
from pollen.exports import safe_row
from pollen.jam.models import Comment, Jam, Proposal

# Field by field in docs/jam-open-data.md. Never published: people's names, emails,
# organisations, kinds and roles, who voted for what, and a merge's `sources` (they name authors).
FORMAT_VERSION = 1
LICENCE = "Licence Ouverte / Open Licence version 2.0"
COLUMNS = [
    "id",
    "group",
    "group_theme",
    "lever",
    "lever_label",
    "title",
    "text",
    "created_at",
    "dots",
    "comments",
    "merged_into",
    "outcome",
    "outcome_label",
    "answer",
    "decided_at",
    "call",
]


def proposals_json(jam: Jam) -> dict[str, Any]:
    proposals = _proposals(jam)
    comments = Comment.objects.filter(proposal__jam=jam).order_by("proposal_id", "created_at", "id")
    return {
        "format": "pollen-jam",
        "version": FORMAT_VERSION,
        "licence": LICENCE,
        "jam": {
            "slug": jam.slug,
            "title": jam.title,
            "place": jam.place,
            "starts_at": _moment(jam.starts_at),
            "is_fictitious": jam.is_fictitious,
        },
        "proposals": proposals,
        "comments": [
            {
                "id": c.pk,
                "proposal": c.proposal_id,
                "text": c.text,
                "created_at": _moment(c.created_at),
            }
            for c in comments
        ],
        "votes": [{"proposal": p["id"], "dots": p["dots"]} for p in proposals],
    }


def proposals_csv(jam: Jam) -> str:
    """One row per proposal (merged ones too); an empty cell where JSON has null.

    Every text cell is neutralised for spreadsheets: "=HYPERLINK(…)" is written "'=HYPERLINK(…)".
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for proposal in _proposals(jam):
        writer.writerow(safe_row("" if proposal[c] is None else proposal[c] for c in COLUMNS))
    return buffer.getvalue()


def _proposals(jam: Jam) -> list[dict[str, Any]]:
    numbers = {
        pk: n
        for n, pk in enumerate(jam.groups.order_by("position").values_list("pk", flat=True), 1)
    }
    proposals = (
        Proposal.objects.filter(jam=jam)
        .select_related("group", "call")
        .annotate(
            votes_n=Count("votes", distinct=True), comments_n=Count("comments", distinct=True)
        )
        .order_by("group__position", "created_at", "id")
    )
    with translation.override("fr"):  # the same file whoever asks for it
        return [_proposal(p, numbers[p.group_id], p.votes_n, p.comments_n) for p in proposals]


def _proposal(p: Proposal, group: int, dots: int, comments: int) -> dict[str, Any]:
    return {
        "id": p.pk,
        "group": group,
        "group_theme": p.group.theme,
        "lever": p.lever,
        "lever_label": p.get_lever_display(),
        "title": p.title,
        "text": p.text,
        "created_at": _moment(p.created_at),
        "dots": dots,
        "comments": comments,
        "merged_into": p.merged_into_id,
        "outcome": p.outcome or None,
        "outcome_label": p.get_outcome_display() if p.outcome else None,
        "answer": p.answer or None,
        "decided_at": _moment(p.decided_at) if p.decided_at else None,
        "call": p.call.slug if p.call else None,
    }


def _moment(moment: dt.datetime) -> str:
    return moment.astimezone(clock.PARIS).isoformat(timespec="seconds")
