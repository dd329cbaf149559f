"""Following a retained proposal downstream: proposal → decision → call → applications →
selected fablabs → grants signed and paid → population newly within reach of a fablab.
"""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum

from pollen.applications.models import Application, Status
from pollen.domain.apply.money import from_cents
from pollen.domain.territory.coverage import CoverageModel
from pollen.grants.models import Grant, GrantStatus, Payment, PaymentStatus
from pollen.jam.models import Outcome, Proposal
from pollen.places.models import Place, PlaceStatus
from pollen.territory.selectors import commune_points

RADIUS_KM = 20.0  # the selection's default radius, as the programme dashboard
SUBMITTED = [Status.SUBMITTED, Status.COMPLETE, Status.SELECTED, Status.WAITLISTED, Status.REJECTED]


@dataclass(frozen=True)
class Chain:
    proposal: Proposal
    applications: int
    submitted: int
    selected: int
    grants: int
    signed: int
    awarded_eur: object
    paid_eur: object
    newly_reached: int | None  # None when the territory is not loaded


def retained() -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(outcome=Outcome.RETAINED)
        .select_related("jam", "group", "call")
        .order_by("-decided_at", "pk")
    )


def chain_of(proposal: Proposal) -> Chain:
    call = proposal.call
    if call is None:
        return Chain(proposal, 0, 0, 0, 0, 0, from_cents(0), from_cents(0), None)
    counts = Application.objects.filter(call=call).aggregate(
        total=Count("pk"),
        submitted=Count("pk", filter=Q(status__in=SUBMITTED)),
        selected=Count("pk", filter=Q(status=Status.SELECTED)),
    )
    grants = Grant.objects.filter(call=call)
    money = grants.aggregate(awarded=Sum("awarded_cents"))
    paid = Payment.objects.filter(grant__call=call, status=PaymentStatus.PAID).aggregate(
        paid=Sum("amount_cents")
    )
    return Chain(
        proposal=proposal,
        applications=counts["total"],
        submitted=counts["submitted"],
        selected=counts["selected"],
        grants=grants.count(),
        signed=grants.filter(status__in=[GrantStatus.SIGNED, GrantStatus.CLOSED]).count(),
        awarded_eur=from_cents(money["awarded"] or 0),
        paid_eur=from_cents(paid["paid"] or 0),
        newly_reached=_newly_reached(call.pk, grants),
    )


def _newly_reached(call_pk: int, grants: QuerySet[Grant]) -> int | None:
    """People within 20 km of a fablab funded by the call and of no other place of the directory.

    Cached by the call and its grants: the coverage engine reads every commune once.
    """
    funded = [
        (lat, lon)
        for lat, lon in grants.values_list(
            "application__organisation__commune__latitude",
            "application__organisation__commune__longitude",
        )
        if lat is not None and lon is not None
    ]
    key = f"jam-followup-reach:{call_pk}:{len(funded)}:{hash(tuple(funded))}"
    cached = cache.get(key)
    if cached is not None:
        return int(cached)
    communes = commune_points()
    if not communes:
        return None
    model = CoverageModel(communes)
    others = [
        (lat, lon)
        for lat, lon in Place.objects.filter(status=PlaceStatus.ACTIVE)
        # The funded fablabs themselves, listed by their application or their organisation.
        .exclude(application__grant__call_id=call_pk)
        .exclude(organisation__applications__grant__call_id=call_pk)
        .values_list("latitude", "longitude")
        if lat is not None and lon is not None
    ]
    before = model.coverage(others, RADIUS_KM, top=0).covered_population
    after = model.coverage(others, RADIUS_KM, extra_sites=funded, top=0).covered_population
    reached = max(after - before, 0)
    cache.set(key, reached, 3600)
    return reached
