"""The list's rows as plain values, so that a page of a hundred renders in milliseconds."""

from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse

from pollen.applications.models import Application, Kind, Status
from pollen.domain.apply.eligibility import rule_statements
from pollen.formatting import format_amount, sentence

_STATUS = dict(Status.choices)
_KIND = dict(Kind.choices)


@dataclass(frozen=True, slots=True)
class Row:
    pk: int
    title: str
    kind_label: str
    round: int
    organisation: str
    commune: str
    status: str
    status_label: str
    eligible: bool | None
    failed_rules: str
    requested_amount: str
    experts: str
    mean: str
    normalised: str
    disagreement: bool
    thread_url: str
    reviews_url: str


def _score(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _experts(application: Application) -> str:
    names = []
    for assignment in application.review_assignments.all():
        user = assignment.expert.user
        review = assignment.review_or_none
        done = " ✓" if review is not None and review.is_submitted else ""
        names.append(f"{user.full_name or user.email}{done}")
    return ", ".join(names)


_SENTINEL = 987654321


def _failed_rules(application: Application) -> str:
    """The rules an application fails, as the sentences people read, never their ids."""
    if not application.failed_rules:
        return ""
    statements = dict(rule_statements(application.call.spec))
    return "; ".join(
        sentence(statements[r]) if r in statements else r for r in application.failed_rules
    )


def _url_pattern(name: str) -> str:
    # Reversed once per page, not twice per row: the sentinel id is replaced by each row's.
    return reverse(name, args=[_SENTINEL]).replace(str(_SENTINEL), "{}")


def rows_of(applications: list[Application]) -> list[Row]:
    thread, reviews = (
        _url_pattern("instruction:thread"),
        _url_pattern("expertise:application_reviews"),
    )
    return [row_of(a, thread, reviews) for a in applications]


def row_of(application: Application, thread_url: str, reviews_url: str) -> Row:
    """Needs the organisation, its commune, the score summary and the assignments loaded."""
    organisation = application.organisation
    commune = organisation.commune
    summary = getattr(application, "score_summary", None)
    return Row(
        pk=application.pk,
        title=application.title,
        kind_label=str(_KIND.get(application.kind, application.kind)),
        round=application.round,
        organisation=organisation.legal_name,
        commune=f"{commune.name} ({commune.departement_id})" if commune else "",
        status=application.status,
        status_label=str(_STATUS.get(application.status, application.status)),
        eligible=application.eligible,
        failed_rules=_failed_rules(application),
        requested_amount=format_amount(application.requested_amount),
        experts=_experts(application),
        mean=_score(summary.mean if summary else None),
        normalised=_score(summary.normalised if summary else None),
        disagreement=bool(summary and summary.disagreement),
        thread_url=thread_url.format(application.pk),
        reviews_url=reviews_url.format(application.pk),
    )
