"""Turns stored applications into the domain's inputs (budget, facts, exchange record, snapshot)."""

import datetime as dt
from typing import Any

from pollen.applications.models import Application, Document
from pollen.domain import eligibility
from pollen.domain.budget import Budget, ExpenseLine, ResourceKind, ResourceLine, ResourceStatus
from pollen.domain.exchange import ApplicantRecord, ApplicationRecord, ProjectRecord, to_exchange


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
    application: Application, moment: dt.datetime, *, submitted: bool = False
) -> eligibility.ApplicationFacts:
    org = application.organisation
    commune = org.commune
    return eligibility.ApplicationFacts(
        budget=budget_of(application),
        carrier_is_fablab=org.is_fablab,
        siret=org.siret,
        commune_insee=org.commune_id or "",
        commune_known=commune is not None,
        commune_region=(commune.region_id or "") if commune else "",
        documents=frozenset(d.doc_type for d in active_documents(application)),
        moment=moment,
        kind=application.kind,
        submitted=submitted,
    )


def check(
    application: Application, moment: dt.datetime, *, submitted: bool = False
) -> eligibility.EligibilityResult:
    return eligibility.check(
        application.call.spec, facts_of(application, moment, submitted=submitted)
    )


def record_of(
    application: Application, submitted_at: dt.datetime | None = None
) -> ApplicationRecord:
    org = application.organisation
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
        budget=budget_of(application),
        documents=frozenset(d.doc_type for d in active_documents(application)),
        submitted_at=submitted_at,
    )


def snapshot_of(
    application: Application, submitted_at: dt.datetime, round_number: int
) -> dict[str, Any]:
    """Everything the receipt vouches for: the exchange record plus each document's fingerprint."""
    call = application.call
    data = to_exchange(record_of(application, submitted_at))
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
                for d in active_documents(application)
            ],
        }
    )
    return data
