"""Reading scenarios and decisions, always through a permission check that can say why."""

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollen.accounts.models import COMMITTEE_ROLES, Role, User
from pollen.applications.models import Application
from pollen.applications.selectors import can_view
from pollen.calls.models import Call
from pollen.domain.text import text_of_json
from pollen.formatting import sentence
from pollen.permissions import ALLOWED
from pollen.permissions import Decision as Permission
from pollen.programmes import for_staff, programme_wall
from pollen.selection.models import Decision, SelectionRun


def can_sit(user: User, call: Call | None = None) -> Permission:
    """The committee's pages: its members, the programme managers and the administrators;
    given a call, only those of that call's programme."""
    if user.is_authenticated and user.has_role(*COMMITTEE_ROLES):
        return programme_wall(user, call) if call is not None else ALLOWED
    return Permission(
        False,
        _("Le comité de sélection est réservé à ses membres et aux responsables du programme."),
    )


def _require_sit(user: User) -> None:
    decision = can_sit(user)
    if not decision:
        raise PermissionDenied(decision.reason)


def committee_calls(user: User) -> QuerySet[Call]:
    _require_sit(user)
    return for_staff(Call.objects.order_by("-opens_at"), user, path="programme")


def access_committee_call(user: User, slug: str) -> Call:
    """The call, for the committee; 403 with the reason for anyone else (calls are public)."""
    _require_sit(user)
    call = Call.objects.filter(slug=slug).first()
    if call is None:
        raise Http404(_("Appel introuvable."))
    decision = can_sit(user, call)
    if not decision:
        raise PermissionDenied(decision.reason)
    return call


def access_run(user: User, slug: str, pk: int) -> SelectionRun:
    call = access_committee_call(user, slug)
    run = SelectionRun.objects.filter(call=call, pk=pk).select_related("call", "created_by").first()
    if run is None:
        raise Http404(_("Scénario introuvable."))
    return run


def runs_of(call: Call) -> QuerySet[SelectionRun]:
    return SelectionRun.objects.filter(call=call).select_related("created_by", "frozen_by")


def frozen_run_of(call: Call) -> SelectionRun | None:
    return SelectionRun.objects.filter(call=call, frozen_at__isnull=False).first()


def decisions_of(call: Call) -> QuerySet[Decision]:
    return (
        Decision.objects.filter(run__call=call)
        .select_related("application", "application__organisation")
        .defer("letter_pdf")
        .order_by("outcome", "waitlist_rank", "-score", "application_id")
    )


def decision_for(application: Application) -> Decision | None:
    """The decision on an application, without its letter's bytes (for pages)."""
    return (
        Decision.objects.filter(application=application)
        .select_related("run", "run__call")
        .defer("letter_pdf")
        .first()
    )


def access_decision(user: User, application_pk: int) -> Decision:
    """The applicant's organisation, the programme team and the committee; 404 for anyone else."""
    decision = (
        Decision.objects.filter(application_id=application_pk)
        .select_related("application", "application__organisation", "application__call", "run")
        .first()
    )
    if decision is None or not user.is_authenticated:
        raise Http404(_("Décision introuvable."))
    if not (can_sit(user, decision.application.call) or can_view(user, decision.application)):
        raise Http404(_("Décision introuvable."))
    if user.has_role(Role.EXPERT):  # an expert reads applications, not the committee's letters
        raise Http404(_("Décision introuvable."))
    return decision


@dataclass(frozen=True)
class CandidateRow:
    """One candidate of a run as the committee reads it."""

    id: str
    application: Application | None
    label: str
    commune: str
    score: Decimal
    amount: Decimal
    selected: bool
    in_ranking: bool
    in_per_euro: bool
    code: str
    message: str
    flip_message: str


def _read(entry: dict[str, Any], text: str, french: str) -> str:
    """A stored explanation in the reader's language (runs stored before the `text` keys: French)."""
    if entry.get(text):
        return sentence(text_of_json(entry[text]))
    return str(entry.get(french, ""))


def candidate_rows(run: SelectionRun) -> list[CandidateRow]:
    """Every candidate of the run, selected first, then by score (one query for the titles)."""
    problem = json.loads(run.problem)
    explained = {e["id"]: e for e in run.explanations}
    figures = run.figures or {}
    ranking = set(figures.get("ranking", {}).get("selected", []))
    per_euro = set(figures.get("score_per_euro", {}).get("selected", []))
    ids = [int(c["id"]) for c in problem["candidates"] if str(c["id"]).isdigit()]
    applications = Application.objects.select_related("organisation__commune").in_bulk(ids)
    rows = []
    for c in problem["candidates"]:
        ident = str(c["id"])
        entry: dict[str, Any] = explained.get(ident, {})
        application = applications.get(int(ident)) if ident.isdigit() else None
        commune = application.organisation.commune if application else None
        rows.append(
            CandidateRow(
                id=ident,
                application=application,
                label=str(c.get("label", ident)),
                commune=commune.name if commune else c["commune_insee"],
                score=Decimal(str(c["score"])),
                amount=Decimal(str(c["amount_eur"])),
                selected=bool(entry.get("selected", ident in run.selected_ids)),
                in_ranking=ident in ranking,
                in_per_euro=ident in per_euro,
                code=str(entry.get("code", "")),
                message=_read(entry, "text", "message"),
                flip_message=_read(entry, "flip_text", "flip_message"),
            )
        )
    rows.sort(key=lambda r: (not r.selected, -r.score, r.id))
    return rows
