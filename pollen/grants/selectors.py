"""Reading grants and tranches, always through a permission check that can say why."""

from collections.abc import Iterator

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from pollen.accounts.models import Role, User
from pollen.calls.models import Call
from pollen.clock import PARIS
from pollen.domain.apply.money import from_cents
from pollen.domain.grants import status as states
from pollen.grants.models import Grant, Payment, PaymentStatus
from pollen.permissions import ALLOWED, Decision
from pollen.programmes import for_staff, programme_wall

FOLLOWERS = (Role.INSTRUCTOR, Role.MANAGER, Role.FINANCE, Role.COMMITTEE, Role.ADMIN)


# Each check below takes, when there is one, the row's call or grant (anything with a
# `programme_id`): the programme's team only (pollen/programmes.py).
Scope = Call | Grant | None


def _within(user: User, row: Scope) -> Decision:
    return programme_wall(user, row) if row is not None else ALLOWED


def can_follow_grants(user: User, row: Scope = None) -> Decision:
    if user.is_authenticated and user.has_role(*FOLLOWERS):
        return _within(user, row)
    return Decision(False, _("Le suivi des subventions est réservé à l'équipe du programme."))


def can_award(user: User, row: Scope = None) -> Decision:
    if user.is_authenticated and user.has_role(Role.MANAGER, Role.ADMIN):
        return _within(user, row)
    return Decision(False, _("Seul le responsable de programme attribue une subvention."))


def can_record_signature(user: User, row: Scope = None) -> Decision:
    if user.is_authenticated and user.has_role(Role.INSTRUCTOR, Role.MANAGER, Role.ADMIN):
        return _within(user, row)
    return Decision(False, _("Seule l'équipe du programme enregistre la signature."))


def can_request_payment(user: User, row: Scope = None) -> Decision:
    if user.is_authenticated and user.has_role(Role.INSTRUCTOR, Role.MANAGER, Role.ADMIN):
        return _within(user, row)
    return Decision(False, _("Seule l'équipe du programme demande un versement."))


def can_report(user: User, grant: Grant) -> Decision:
    if not user.is_authenticated:
        return Decision(False, _("Connectez-vous pour déposer un rapport."))
    if user.has_role(Role.APPLICANT) and user.organisation_id == grant.application.organisation_id:
        return Decision(True)
    return Decision(False, _("Seul le bénéficiaire dépose ses rapports."))


def _grants() -> QuerySet[Grant]:
    return Grant.objects.select_related(
        "application", "application__organisation", "call", "programme"
    )


def access_grant(user: User, pk: int) -> Grant:
    """The grant, or 404 for anyone who may not see it (no existence leak)."""
    grant = _grants().prefetch_related("payments", "reports").filter(pk=pk).first()
    if grant is None:
        raise Http404(_("Subvention introuvable."))
    own = (
        user.is_authenticated
        and user.has_role(Role.APPLICANT)
        and user.organisation_id == grant.application.organisation_id
    )
    if not (own or can_follow_grants(user, grant)):
        raise Http404(_("Subvention introuvable."))
    return grant


def access_payment(user: User, pk: int) -> Payment:
    payment = Payment.objects.select_related("grant", "grant__application").filter(pk=pk).first()
    if payment is None or not can_follow_grants(user, payment.grant):
        raise Http404(_("Versement introuvable."))
    return payment


def grants_list(user: User) -> QuerySet[Grant]:
    """The grants of the user's programmes."""
    return for_staff(_grants().order_by("-decided_on", "-id"), user, path="programme")


def grants_of(user: User) -> QuerySet[Grant]:
    """The grants a grantee follows from their space."""
    if user.has_role(Role.APPLICANT) and user.organisation_id:
        return _grants().filter(application__organisation_id=user.organisation_id)
    return Grant.objects.none()


def payments_awaiting(user: User) -> QuerySet[Payment]:
    """The tranches waiting for this person's step."""
    qs = Payment.objects.select_related(
        "grant", "grant__application", "grant__application__organisation"
    ).order_by("due_on", "id")
    qs = for_staff(qs, user, path="grant__programme")
    if user.has_role(Role.FINANCE):
        return qs.filter(
            status__in=[PaymentStatus.INSTRUCTOR_APPROVED, PaymentStatus.FINANCE_APPROVED]
        )
    if user.has_role(Role.INSTRUCTOR, Role.MANAGER, Role.ADMIN):
        return qs.filter(status=PaymentStatus.REQUESTED)
    return qs.none()


CSV_HEADER = [
    "reference_decision",
    "tranche",
    "libelle",
    "beneficiaire",
    "siret",
    "montant",
    "statut",
    "echeance",
    "demande_le",
    "valide_instruction_le",
    "valide_finances_le",
    "verse_le",
    "reference_virement",
]


def payment_rows(user: User) -> Iterator[list[str]]:
    """Every tranche of the user's programmes for the accounting system: euros with a dot,
    ISO dates, stable columns."""
    rows = (
        for_staff(Payment.objects.all(), user, path="grant__programme")
        .order_by("grant__reference", "position")
        .values_list(
            "grant__reference",
            "position",
            "label",
            "grant__beneficiary_name",  # as agreed
            "grant__beneficiary_siret",
            "amount_cents",
            "status",
            "due_on",
            "requested_at",
            "instructor_approved_at",
            "finance_approved_at",
            "paid_at",
            "payment_reference",
        )
        .iterator(chunk_size=2000)
    )
    for ref, pos, label, name, siret, cents, status, due, req, ins, fin, paid, vir in rows:
        yield [
            ref,
            str(pos + 1),
            label,
            name,
            siret,
            f"{from_cents(cents):.2f}",
            status,
            due.isoformat(),
            *(m.astimezone(PARIS).date().isoformat() if m else "" for m in (req, ins, fin, paid)),
            vir,
        ]


def can_take_payment_step(user: User, payment: Payment, step: str) -> Decision:
    """Whether this person may take this step of the tranche now (the services' own checks:
    the lifecycle, the role the step needs, the four-eyes rule), so that no page shows a
    button that could only be refused. step: request, approve or pay."""
    if not (user.is_authenticated and (allowed := payment.allows(step))):
        return Decision(False, _("Cette étape n'est pas possible pour ce versement."))
    if step == states.REQUEST:
        return can_request_payment(user, payment.grant)
    if not programme_wall(user, payment.grant):
        return Decision(False, _("Ce versement ne relève pas de votre programme."))
    # The four-eyes rule as the services hold it: the approvals by people new to the tranche,
    # the transfer by anyone but who asked for it.
    others = (
        {payment.requested_by_id}
        if step == states.PAY
        else {
            payment.requested_by_id,
            payment.instructor_approved_by_id,
            payment.finance_approved_by_id,
        }
    )
    if user.pk in others:
        return Decision(False, _("Règle des quatre yeux : une autre personne prend cette étape."))
    by_instruction = step == states.APPROVE and states.APPROVAL_BY[payment.status] == "instruction"
    needed = (Role.INSTRUCTOR, Role.MANAGER, Role.ADMIN) if by_instruction else (Role.FINANCE,)
    if not user.has_role(*needed):
        return Decision(False, _("Cette étape revient à une autre personne."))
    return allowed
