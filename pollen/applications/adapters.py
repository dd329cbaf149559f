"""Turns stored applications into the domain's inputs (budget, facts, exchange record, snapshot)."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pollen.applications.models import Application, Document
from pollen.domain.apply import eligibility
from pollen.domain.apply.budget import (
    Budget,
    ExpenseLine,
    ResourceKind,
    ResourceLine,
    ResourceStatus,
)
from pollen.domain.apply.exchange import (
    ApplicantRecord,
    ApplicationRecord,
    ProjectRecord,
    to_exchange,
)


@dataclass(frozen=True)
class DocumentFile:
    """What a receipt says of one document."""

    pk: int
    doc_type: str
    original_name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Contents:
    """An application's budget and active documents, read from its relations or by the selector
    the submission uses (selectors.submission_inputs); both give the same value."""

    budget: Budget
    documents: tuple[DocumentFile, ...]


def contents_of(application: Application) -> Contents:
    return Contents(
        budget=budget_of(application),
        documents=tuple(
            DocumentFile(d.pk, d.doc_type, d.original_name, d.content_type, d.size, d.sha256)
            for d in active_documents(application)
        ),
    )


def budget_of(application: Application) -> Budget:
    """Uses prefetched lines when the caller prefetched them."""
    return Budget(
        expenses=tuple(
            ExpenseLine(e.label, e.category, e.amount) for e in application.expense_lines.all()
        ),
        resources=tuple(
            ResourceLine(r.label, ResourceKind(r.kind), ResourceStatus(r.status), r.amount)
            for r in application.resource_lines.all()
        ),
    )


def active_documents(application: Application) -> list[Document]:
    return [d for d in application.documents.all() if d.removed_at is None]


def facts_of(
    application: Application,
    moment: dt.datetime,
    *,
    submitted: bool = False,
    contents: Contents | None = None,
) -> eligibility.ApplicationFacts:
    org = application.organisation
    commune = org.commune
    contents = contents or contents_of(application)
    return eligibility.ApplicationFacts(
        budget=contents.budget,
        carrier_is_fablab=org.is_fablab,
        siret=org.siret,
        commune_insee=org.commune_id or "",
        commune_known=commune is not None,
        commune_region=(commune.region_id or "") if commune else "",
        documents=frozenset(d.doc_type for d in contents.documents),
        moment=moment,
        kind=application.kind,
        submitted=submitted,
    )


def check(
    application: Application,
    moment: dt.datetime,
    *,
    submitted: bool = False,
    contents: Contents | None = None,
) -> eligibility.EligibilityResult:
    return eligibility.check(
        application.call.spec,
        facts_of(application, moment, submitted=submitted, contents=contents),
    )


def record_of(
    application: Application,
    submitted_at: dt.datetime | None = None,
    contents: Contents | None = None,
) -> ApplicationRecord:
    org = application.organisation
    contents = contents or contents_of(application)
    return ApplicationRecord(
        call=application.call.slug,
        applicant=ApplicantRecord(
            name=org.legal_name,
            siret=org.siret,
            legal_form=org.legal_form,
            commune_insee=org.commune_id or "",
            is_fablab=org.is_fablab,
        ),
        project=ProjectRecord(
            title=application.title, kind=application.kind, summary=application.summary
        ),
        budget=contents.budget,
        documents=frozenset(d.doc_type for d in contents.documents),
        submitted_at=submitted_at,
    )


def snapshot_of(
    application: Application,
    submitted_at: dt.datetime,
    round_number: int,
    contents: Contents | None = None,
) -> dict[str, Any]:
    """Everything the receipt vouches for: the exchange record plus each document's fingerprint."""
    call = application.call
    contents = contents or contents_of(application)
    data = to_exchange(record_of(application, submitted_at, contents))
    data.update(
        {
            "format": "pollen.submission.v1",
            "application_id": application.pk,
            "round": round_number,
            "call_version": call.version,
            "call_sha256": call.source_sha256,
            "document_files": [
                {
                    "id": d.pk,
                    "doc_type": d.doc_type,
                    "name": d.original_name,
                    "content_type": d.content_type,
                    "size": d.size,
                    "sha256": d.sha256,
                }
                for d in contents.documents
            ],
        }
    )
    return data
