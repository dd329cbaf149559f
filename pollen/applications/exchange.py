"""Exchange-format files ↔ the database: checking a file, exporting and importing applications."""

import datetime as dt
from pathlib import Path
from typing import Any

from django.db import transaction

from pollen.accounts.models import LegalForm, Organisation, User
from pollen.applications import adapters
from pollen.applications.forms import LINE_LIMIT, TOTAL_LIMIT
from pollen.applications.models import Application
from pollen.applications.selectors import can_import
from pollen.applications.services import import_draft, refresh_eligibility
from pollen.audit.services import record_event
from pollen.calls.models import Call
from pollen.domain.apply import eligibility
from pollen.domain.apply.budget import figures
from pollen.domain.apply.calls import CallSpec, parse_call
from pollen.domain.apply.exchange import ApplicationRecord, ExchangeError, localise, to_exchange
from pollen.domain.apply.money import CENT, format_eur
from pollen.permissions import require
from pollen.territory.models import Commune

CALLS_DIR = Path(__file__).resolve().parents[2] / "calls"


def call_spec(slug: str) -> CallSpec:
    """The loaded call, or its file in calls/ when the database does not have it yet."""
    call = Call.objects.filter(slug=slug).first()
    if call is not None:
        return call.spec
    path = CALLS_DIR / f"{slug}.toml"
    if not path.exists():
        raise ExchangeError("--call", f"appel « {slug} » inconnu (ni chargé, ni dans {CALLS_DIR}).")
    return parse_call(path.read_text(encoding="utf-8"))


def check_storable(record: ApplicationRecord) -> None:
    """Amounts the format reads (12 digits) that the database columns cannot hold, refused
    naming their field like any fault of the file, before anything is written."""
    lines = [(f"budget.expenses[{i}]", e.amount) for i, e in enumerate(record.budget.expenses)]
    lines += [(f"budget.resources[{i}]", r.amount) for i, r in enumerate(record.budget.resources)]
    for field, amount in lines:
        if amount >= LINE_LIMIT:
            raise ExchangeError(
                f"{field}.amount_eur",
                f"le montant est trop grand : au plus {format_eur(LINE_LIMIT - CENT)}.",
            )
    totals = figures(record.budget, frozenset())
    if totals.subsidy >= LINE_LIMIT:
        raise ExchangeError(
            "budget.resources",
            f"la subvention demandée est trop grande : au plus {format_eur(LINE_LIMIT - CENT)}.",
        )
    if totals.total_expenses >= TOTAL_LIMIT:
        raise ExchangeError(
            "budget.expenses",
            f"le total des dépenses est trop grand : au plus {format_eur(TOTAL_LIMIT - CENT)}.",
        )


def facts_of_record(
    record: ApplicationRecord, spec: CallSpec, now: dt.datetime
) -> eligibility.ApplicationFacts:
    commune = Commune.objects.filter(code=record.applicant.commune_insee).first()
    moment = localise(record.submitted_at, spec) if record.submitted_at else now
    return eligibility.ApplicationFacts(
        budget=record.budget,
        carrier_is_fablab=record.applicant.is_fablab,
        siret=record.applicant.siret,
        commune_insee=record.applicant.commune_insee,
        commune_known=commune is not None,
        commune_region=(commune.region_id or "") if commune else "",
        documents=record.documents,
        moment=moment,
        kind=record.project.kind,
        submitted=record.submitted_at is not None,
    )


def export_applications(call: Call) -> list[dict[str, Any]]:
    applications = (
        Application.objects.filter(call=call)
        .select_related("call", "organisation")
        .prefetch_related("expense_lines", "resource_lines", "documents", "submissions")
        .order_by("pk")
    )
    out = []
    for application in applications:
        last = max(application.submissions.all(), key=lambda s: s.round, default=None)
        data = to_exchange(adapters.record_of(application, last.submitted_at if last else None))
        data["status"] = application.status
        out.append(data)
    return out


@transaction.atomic
def import_application(
    record: ApplicationRecord, *, acting_user: User, fictitious: bool = False
) -> Application:
    """A draft from a file: the organisation is found by SIRET or created; documents are not files here."""
    require(can_import(acting_user))  # before the organisation is created
    call = Call.objects.get(slug=record.call)
    org = Organisation.objects.filter(siret=record.applicant.siret).first()
    if org is None:
        legal_forms = {c.value for c in LegalForm}
        org = Organisation.objects.create(
            legal_name=record.applicant.name,
            siret=record.applicant.siret,
            legal_form=record.applicant.legal_form
            if record.applicant.legal_form in legal_forms
            else LegalForm.OTHER,
            commune=Commune.objects.filter(code=record.applicant.commune_insee).first(),
            is_fablab=record.applicant.is_fablab,
            is_fictitious=fictitious,
        )
        record_event(
            actor=acting_user, action="organisation.created", obj=org, after={"siret": org.siret}
        )
    application = import_draft(
        acting_user=acting_user,
        call=call,
        organisation=org,
        title=record.project.title,
        summary=record.project.summary,
        kind=record.project.kind,
        budget=record.budget,
    )
    if fictitious:
        Application.objects.filter(pk=application.pk).update(is_fictitious=True)
    refresh_eligibility(application)
    return application
