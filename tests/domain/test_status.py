"""The lifecycles of applications, grants and tranches: every transition allowed or refused, why."""

from __future__ import annotations

from itertools import product
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pollen.domain.apply import status as app
from pollen.domain.grants import status as grants
from pollen.domain.lifecycle import (
    Lifecycle,
    TransitionRefused,
    UnknownEvent,
    UnknownStatus,
)

# The tables written out once more, by hand: the specification the modules must match.
EXPECTED = {
    app.APPLICATION: {
        ("draft", "edit"): "draft",
        ("draft", "submit"): "submitted",
        ("corrections", "edit"): "corrections",
        ("corrections", "submit"): "submitted",
        ("submitted", "mark_complete"): "complete",
        ("submitted", "reopen"): "corrections",
        ("submitted", "select"): "selected",
        ("submitted", "waitlist"): "waitlisted",
        ("submitted", "reject"): "rejected",
        ("submitted", "award"): "selected",
        ("complete", "reopen"): "corrections",
        ("complete", "select"): "selected",
        ("complete", "waitlist"): "waitlisted",
        ("complete", "reject"): "rejected",
        ("complete", "award"): "selected",
        ("selected", "award"): "selected",
    },
    grants.GRANT: {
        ("awarded", "sign"): "signed",
        ("signed", "report"): "signed",
        ("signed", "pay"): "signed",
        ("signed", "close"): "closed",
    },
    grants.PAYMENT: {
        ("scheduled", "request"): "requested",
        ("requested", "approve"): "instructor_approved",
        ("instructor_approved", "approve"): "finance_approved",
        ("finance_approved", "pay"): "paid",
    },
}
LIFECYCLES = list(EXPECTED)
EVERY_PAIR = [
    pytest.param(lifecycle, status, event, id=f"{lifecycle.name}-{status}-{event}")
    for lifecycle in LIFECYCLES
    for status, event in product(sorted(lifecycle.statuses), sorted(lifecycle.events))
]


@pytest.mark.parametrize(("lifecycle", "status", "event"), EVERY_PAIR)
def test_it_allows_exactly_the_expected_transitions(lifecycle, status, event):
    expected = EXPECTED[lifecycle].get((status, event))

    assert lifecycle.can(status, event) is (expected is not None)
    if expected is not None:
        assert lifecycle.refusal(status, event) is None
        assert lifecycle.next_status(status, event) == expected
    else:
        reason = lifecycle.refusal(status, event)
        assert reason is not None and str(reason).endswith(".")
        with pytest.raises(TransitionRefused) as refused:
            lifecycle.next_status(status, event)
        assert refused.value.reason == reason
        assert refused.value.code == f"{lifecycle.name}.{event}.refused_from.{status}"


def test_the_statuses_are_the_stored_codes():
    assert app.APPLICATION.statuses == {
        "draft",
        "submitted",
        "corrections",
        "complete",
        "selected",
        "waitlisted",
        "rejected",
    }
    assert grants.GRANT.statuses == {"awarded", "signed", "closed"}
    assert grants.PAYMENT.statuses == {
        "scheduled",
        "requested",
        "instructor_approved",
        "finance_approved",
        "paid",
    }


def test_the_terminal_statuses_are_the_decisions_the_closed_grant_and_the_paid_tranche():
    assert app.APPLICATION.terminal == {"selected", "waitlisted", "rejected"}
    assert grants.GRANT.terminal == {"closed"}
    assert grants.PAYMENT.terminal == {"paid"}


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.name)
def test_every_status_is_reachable_from_the_initial_one(lifecycle):
    seen, frontier = {lifecycle.initial}, [lifecycle.initial]
    while frontier:
        status = frontier.pop()
        for event in lifecycle.events_from(status):
            if (target := lifecycle.next_status(status, event)) not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == lifecycle.statuses


def test_a_decided_application_is_neither_reopened_nor_decided_again():
    assert str(app.APPLICATION.refusal("selected", "reopen")) == (
        "Le comité a déjà statué sur cette candidature."
    )
    assert str(app.APPLICATION.refusal("rejected", "select")) == (
        "Le comité a déjà statué sur cette candidature."
    )
    assert str(app.APPLICATION.refusal("rejected", "edit")) == (
        "Le comité a statué sur cette candidature : elle ne peut plus être modifiée."
    )


def test_the_helpers_read_the_table():
    assert {s for s in app.APPLICATION.statuses if app.is_editable(s)} == {"draft", "corrections"}
    assert frozenset({"submitted", "complete"}) == app.UNDECIDED
    assert dict(app.DECISIONS) == {
        "selected": "select",
        "waitlisted": "waitlist",
        "rejected": "reject",
    }
    assert set(grants.APPROVAL_BY) == grants.PAYMENT.statuses_allowing(grants.APPROVE)


@pytest.mark.parametrize("grant_status", ["awarded", "signed", "closed"])
@pytest.mark.parametrize("payment_status", sorted(grants.PAYMENT.statuses))
def test_a_tranche_moves_only_while_its_grant_is_signed(grant_status, payment_status):
    for event in grants.PAYMENT.events:
        allowed = grant_status == "signed" and grants.PAYMENT.can(payment_status, event)
        assert (grants.payment_refusal(payment_status, grant_status, event) is None) is allowed
    assert grants.can_be_paid(payment_status, grant_status) is (
        grant_status == "signed" and payment_status == "finance_approved"
    )


def test_a_tranche_of_an_unsigned_grant_says_the_agreement_comes_first():
    assert str(grants.payment_refusal("requested", "awarded", "approve")) == (
        "La convention doit être signée avant toute demande de versement."
    )
    assert str(grants.payment_refusal("finance_approved", "closed", "pay")) == (
        "Cette subvention est soldée : plus aucun versement."
    )
    with pytest.raises(TransitionRefused) as refused:
        grants.next_payment_status("requested", "awarded", "approve")
    assert refused.value.code == "grant.pay.refused_from.awarded"


def test_paying_twice_is_refused_with_its_own_reason():
    assert str(grants.payment_refusal("paid", "signed", "pay")) == "Ce versement a déjà été versé."


def test_a_grant_closes_when_no_tranche_with_money_is_unpaid():
    assert grants.closes_grant([])
    assert grants.closes_grant([0, 0])
    assert not grants.closes_grant([0, 1])


def test_unknown_statuses_and_events_are_bugs_not_refusals():
    with pytest.raises(UnknownEvent):
        grants.PAYMENT.can("requested", "aprove")
    with pytest.raises(UnknownStatus):
        app.APPLICATION.can("archived", "edit")
    with pytest.raises(UnknownEvent):
        app.APPLICATION.statuses_allowing("aprove")
    with pytest.raises(UnknownStatus):
        grants.GRANT.events_from("cancelled")


def _table(**moves: dict[str, str]) -> MappingProxyType[str, MappingProxyType[str, str]]:
    return MappingProxyType({s: MappingProxyType(m) for s, m in moves.items()})


def test_a_table_that_leads_nowhere_or_forgets_a_reason_is_refused_at_import():
    with pytest.raises(UnknownStatus):
        Lifecycle("x", "a", _table(a={"go": "b"}), {"go": "Non."})
    with pytest.raises(UnknownStatus):
        Lifecycle("x", "z", _table(a={}), {})
    with pytest.raises(UnknownEvent):
        Lifecycle("x", "a", _table(a={"go": "b"}, b={}), {})
    with pytest.raises(UnknownEvent):
        Lifecycle("x", "a", _table(a={}), {"go": "Non."})
    with pytest.raises(ValueError, match="allowed"):
        Lifecycle("x", "a", _table(a={"go": "a"}), {"go": "Non."}, {("a", "go"): "Non."})


@pytest.mark.parametrize("lifecycle", LIFECYCLES, ids=lambda lc: lc.name)
@given(data=st.data())
def test_a_random_walk_stays_in_the_table_and_never_leaves_a_terminal_status(lifecycle, data):
    events = sorted(lifecycle.events)
    status = lifecycle.initial
    for event in data.draw(st.lists(st.sampled_from(events), max_size=30)):
        if lifecycle.can(status, event):
            after = lifecycle.next_status(status, event)
            assert after in lifecycle.statuses
            if status in lifecycle.terminal:
                assert after == status
            status = after
        else:
            with pytest.raises(TransitionRefused):
                lifecycle.next_status(status, event)
