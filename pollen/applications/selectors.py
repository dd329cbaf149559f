"""Reading applications, always through a permission check that can say why."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollen import sql
from pollen.accounts.models import Organisation, Role, User
from pollen.applications.adapters import Contents, DocumentFile
from pollen.applications.models import (
    Application,
    Document,
    ExpenseLine,
    Submission,
)
from pollen.calls.models import Call
from pollen.domain.apply import budget
from pollen.domain.apply import status as states
from pollen.domain.apply.calls import DocumentSpec
from pollen.domain.apply.money import CENT
from pollen.permissions import Decision
from pollen.programmes import for_staff, in_programme, programme_wall
from pollen.territory.models import Commune


def _with_budget(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.select_related(
        "call", "organisation", "organisation__commune", "created_by"
    ).prefetch_related(
        "expense_lines",
        "resource_lines",
        Prefetch("documents", queryset=Document.objects.order_by("doc_type", "id")),
    )


def can_view(user: User, application: Application) -> Decision:
    if not user.is_authenticated:
        return Decision(False, _("Connectez-vous pour voir cette candidature."))
    if user.is_programme_staff and in_programme(user, application.call):
        return Decision(True)
    if user.has_role(Role.APPLICANT) and user.organisation_id == application.organisation_id:
        return Decision(True)
    if user.has_role(Role.EXPERT) and _is_assigned(user, application):
        return Decision(True)
    return Decision(False, _("Cette candidature n'appartient pas à votre structure."))


def _is_assigned(user: User, application: Application) -> bool:
    """An expert reads (with its documents) every application they are asked to review.

    Through the relation review's Assignment declares: review sits above applications."""
    return application.review_assignments.filter(expert__user_id=user.pk).exists()


def can_edit(user: User, application: Application) -> Decision:
    if not (user.is_authenticated and user.has_role(Role.APPLICANT)):
        return Decision(False, _("Seul le porteur de projet peut modifier sa candidature."))
    if user.organisation_id != application.organisation_id:
        return Decision(False, _("Cette candidature n'appartient pas à votre structure."))
    return application.allows(states.EDIT)


def can_submit(user: User, application: Application) -> Decision:
    """Only the applicant's organisation submits; whether it still may is the service's call."""
    owner = user.organisation_id == application.organisation_id
    if user.is_authenticated and user.has_role(Role.APPLICANT) and owner:
        return Decision(True)
    return Decision(False, _("Seul le porteur de projet peut déposer sa candidature."))


def can_create(user: User, organisation: Organisation) -> Decision:
    if not (user.is_authenticated and user.has_role(Role.APPLICANT)):
        return Decision(False, _("Seul un porteur de projet peut créer une candidature."))
    if user.organisation_id != organisation.pk:
        return Decision(False, _("Vous ne pouvez candidater qu'au nom de votre structure."))
    return Decision(True)


def can_import(user: User, call: Call | None = None) -> Decision:
    """Past or paper applications are entered by the programme's staff (of that call's)."""
    if user.is_authenticated and user.is_programme_staff:
        return programme_wall(user, call) if call is not None else Decision(True)
    return Decision(False, _("Seule l'équipe du programme importe des candidatures."))


def can_reopen(user: User, application: Application) -> Decision:
    if not (user.is_authenticated and user.is_programme_staff):
        return Decision(False, _("Seul un instructeur peut rouvrir une candidature."))
    return programme_wall(user, application.call)


def can_instruct(user: User, application: Application) -> Decision:
    if user.is_authenticated and user.is_programme_staff:
        return programme_wall(user, application.call)
    return Decision(False, _("L'instruction est réservée à l'équipe du programme."))


DECIDERS = (Role.COMMITTEE, Role.MANAGER, Role.ADMIN)


def can_decide(user: User, application: Application) -> Decision:
    """The committee's decision: its members, the programme managers, the administrators."""
    if user.is_authenticated and user.has_role(*DECIDERS):
        return programme_wall(user, application.call)
    return Decision(False, _("Seul le comité de sélection décide des candidatures retenues."))


def access_application(user: User, pk: int, *, with_budget: bool = True) -> Application:
    """The application (with its budget unless told not), or 404 for anyone who may not see it."""
    queryset = Application.objects.filter(pk=pk)
    application = (_with_budget(queryset) if with_budget else queryset).first()
    if application is None or not can_view(user, application):
        raise Http404(_("Candidature introuvable."))
    return application


def access_document(user: User, application_pk: int, document_pk: int) -> Document:
    application = access_application(user, application_pk)
    document = Document.objects.filter(pk=document_pk, application=application).first()
    if document is None:
        raise Http404(_("Pièce introuvable."))
    return document


def access_submission(user: User, application_pk: int, round_number: int) -> Submission:
    application = access_application(user, application_pk)
    submission = (
        Submission.objects.select_related(
            "application", "application__call", "application__organisation", "submitted_by"
        )
        .filter(application=application, round=round_number)
        .first()
    )
    if submission is None:
        raise Http404(_("Accusé de réception introuvable."))
    return submission


def applications_of(user: User) -> QuerySet[Application]:
    """The applications a person follows on their dashboard."""
    qs = Application.objects.select_related("call", "organisation").order_by("-updated_at")
    if user.is_programme_staff:
        return for_staff(qs, user)
    if user.has_role(Role.APPLICANT) and user.organisation_id:
        return qs.filter(organisation_id=user.organisation_id)
    return qs.none()


def submission_inputs(application_id: int) -> tuple[Application | None, Contents]:
    """The application, its row locked (PostgreSQL), with its call, organisation and commune;
    and its budget lines and active documents.

    Call it inside the submission's transaction, within `sql.together()`: the four SELECTs are
    sent before any answer is read, so they cost one round trip to PostgreSQL, not four. This
    is the hot path at a call's deadline; the ORM built these queries for more CPU than the
    rest of the submission (tests/applications/test_submission.py compares both reads with
    the ORM's). The lines and documents are read even when the caller then refuses access:
    they are not returned to anyone in that case.
    """
    amount = ExpenseLine._meta.get_field("amount")
    with (
        connection.cursor() as head,
        connection.cursor() as expense_rows,
        connection.cursor() as resource_rows,
        connection.cursor() as document_rows,
    ):
        head.execute(_application_to_submit_sql(), [application_id])
        expense_rows.execute(_EXPENSES_SQL, [application_id])
        resource_rows.execute(_RESOURCES_SQL, [application_id])
        document_rows.execute(_DOCUMENTS_SQL, [application_id])
        row = head.fetchone()
        expenses = tuple(
            budget.ExpenseLine(label, category, _cents(amount.to_python(value)))
            for label, category, value in expense_rows.fetchall()
        )
        resources = tuple(
            budget.ResourceLine(
                label,
                budget.ResourceKind(kind),
                budget.ResourceStatus(status),
                _cents(amount.to_python(value)),
            )
            for label, kind, status, value in resource_rows.fetchall()
        )
        documents = tuple(DocumentFile(*document) for document in document_rows.fetchall())
    contents = Contents(budget.Budget(expenses=expenses, resources=resources), documents)
    if row is None:
        return None, contents
    application, at = sql.instance(Application, row)
    application.call, at = sql.instance(Call, row, at)
    organisation, at = sql.instance(Organisation, row, at)
    organisation.commune = sql.instance(Commune, row, at)[0] if organisation.commune_id else None
    application.organisation = organisation
    return application, contents


@cache
def _application_to_submit_sql() -> str:
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    return (
        f"SELECT {sql.columns(Application, 'a')}, {sql.columns(Call, 'c')}, "  # noqa: S608 - names from the models
        f"{sql.columns(Organisation, 'o')}, {sql.columns(Commune, 'm')} "
        f"FROM {sql.table(Application)} a JOIN {sql.table(Call)} c ON c.id = a.call_id "
        f"JOIN {sql.table(Organisation)} o ON o.id = a.organisation_id "
        f"LEFT JOIN {sql.table(Commune)} m ON m.code = o.commune_id "
        f"WHERE a.id = %s{lock}"
    )


# The submission's reads, in the models' own order (the equality test fails on a renamed table).
_EXPENSES_SQL = (
    "SELECT label, category, amount FROM applications_expenseline "
    "WHERE application_id = %s ORDER BY position, id"
)
_RESOURCES_SQL = (
    "SELECT label, kind, status, amount FROM applications_resourceline "
    "WHERE application_id = %s ORDER BY position, id"
)
_DOCUMENTS_SQL = (
    "SELECT id, doc_type, original_name, content_type, size, sha256 FROM applications_document "
    "WHERE application_id = %s AND removed_at IS NULL ORDER BY doc_type, uploaded_at, id"
)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)


@dataclass(frozen=True)
class CallWindowShut:
    """Why an editable application cannot be submitted now: its call is closed or not yet open."""

    opens_at: dt.datetime
    closes_at: dt.datetime
    closed: bool  # False: not yet open


def call_window_shut(application: Application, moment: dt.datetime) -> CallWindowShut | None:
    """The call's window, when a submission now would only be refused by its deadline rule
    (a call without that rule takes late submissions: nothing to say then)."""
    spec = application.call.spec
    if spec.rule("deadline") is None or spec.is_open_at(moment):
        return None
    return CallWindowShut(spec.opens_at, spec.closes_at, closed=moment > spec.closes_at)


@dataclass(frozen=True)
class CompletenessRequest:
    """What the instructor asked for when reopening: their words and the documents to provide."""

    text: str
    missing: tuple[DocumentSpec, ...]
    sent_at: dt.datetime


def completeness_request(application: Application) -> CompletenessRequest | None:
    """The open request for corrections, shown until the applicant submits again (the status
    then leaves « corrections »). The thread is review's, read through the relation it declares
    (review sits above applications, which does not import it)."""
    if application.status != states.CORRECTIONS:
        return None
    thread = getattr(application, "review_messages", None)
    if thread is None:
        return None
    message = (
        thread.filter(kind="corrections", round=application.round)
        .order_by("-sent_at", "-id")
        .first()
    )
    if message is None:
        return None
    documents = application.call.spec.documents
    asked = getattr(message, "missing_documents", None) or []
    if asked:
        # The documents as data: the ids of the call file, shown with their labels.
        by_id = {d.id: d for d in documents}
        missing = tuple(by_id[d] for d in asked if d in by_id)
        return CompletenessRequest(str(message.body).strip(), missing, message.sent_at)
    # An older request listed the documents' labels in its text.
    text, missing = _split_request(str(message.body), documents)
    return CompletenessRequest(text, missing, message.sent_at)


def _split_request(
    body: str, documents: tuple[DocumentSpec, ...]
) -> tuple[str, tuple[DocumentSpec, ...]]:
    """The request's own words, and the call's documents it lists as « - label » lines (how
    requests written before the documents were kept as ids list them, after a heading line
    ending with a colon)."""
    lines = body.splitlines()
    by_line = {f"- {d.label}": d for d in documents}
    listed = [i for i, line in enumerate(lines) if line.strip() in by_line]
    if not listed:
        return body.strip(), ()
    skip = set(listed)
    heading = listed[0] - 1
    if heading >= 0 and lines[heading].rstrip().endswith(":"):
        skip.add(heading)
    text = "\n".join(line for i, line in enumerate(lines) if i not in skip).strip()
    return text, tuple(by_line[lines[i].strip()] for i in listed)
