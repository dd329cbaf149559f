"""The jam's writes, driven as each person would: registration, entry, proposals, votes, merges."""

import datetime as dt
import re

import pytest

from pollen import clock
from pollen.audit.models import AuditEvent
from pollen.jam import selectors, services
from pollen.jam.models import Jam, Kind, Lever, Proposal, Registration, Vote
from pollen.mailing.models import OutgoingMail
from pollen.permissions import Refused
from tests.jam.conftest import START, make_jam, person


def _open(room, **flags):
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, **flags)


def _post(room, who, group=0, title="Des fablabs partout", text="Un atelier par canton."):
    return services.post_proposal(
        acting=who, group=room.groups[group], title=title, text=text, lever=Lever.FUNDING
    )


def test_it_registers_then_puts_latecomers_on_the_waiting_list(personas):
    jam = make_jam("petit", personas["manager"], capacity=1)
    first = services.register(
        jam=jam,
        full_name="Ada",
        email="Ada@Example.org",
        organisation="",
        kind=Kind.CITIZEN,
        preferences=[],
    )
    second = services.register(
        jam=jam,
        full_name="Bo",
        email="bo@example.org",
        organisation="X",
        kind=Kind.ELECTED,
        preferences=[],
    )
    assert (first.registration, second.registration) == (
        Registration.CONFIRMED,
        Registration.WAITLISTED,
    )
    assert first.email == "ada@example.org"
    mails = OutgoingMail.objects.order_by("id")
    assert "confirmée" in mails[0].body and "liste d'attente" in mails[1].body
    # The link is signed with its moment: read it back rather than sign it again.
    token = re.search(r"/jams/petit/entrer/([^/\s]+)/", mails[0].body).group(1)
    assert selectors.participant_of_token(jam, token) == first
    with pytest.raises(services.JamError, match="déjà inscrite"):
        services.register(
            jam=jam,
            full_name="Ada",
            email="ada@example.org",
            organisation="",
            kind=Kind.CITIZEN,
            preferences=[],
        )


def test_a_revoked_or_forged_link_or_another_jams_link_lets_nobody_in(room, personas):
    target = room.people[0]
    token = selectors.personal_token(target)
    assert selectors.participant_of_token(room.jam, token) == target
    assert selectors.participant_of_token(room.jam, token[:-2] + "xx") is None
    other = make_jam("autre", personas["manager"])
    assert selectors.participant_of_token(other, token) is None
    services.revoke_link(acting=room.organiser, participant=target)
    assert selectors.participant_of_token(room.jam, token) is None
    with pytest.raises(Refused):
        services.revoke_link(acting=room.people[1], participant=target)


def test_posting_needs_the_phase_open_and_a_text_of_sensible_length(room):
    member = room.people[0]
    with pytest.raises(Refused, match="fermées"):
        _post(room, member)
    _open(room, writing_open=True)
    with pytest.raises(services.JamError, match="vide"):
        _post(room, member, text="   ")
    with pytest.raises(services.JamError, match="5000 caractères"):
        _post(room, member, text="x" * 20_000)
    with pytest.raises(Refused, match="pas dans ce groupe"):
        _post(room, member, group=1)
    proposal = _post(room, member)
    assert proposal.group == room.groups[0]
    assert AuditEvent.objects.filter(action="jam.proposal_posted").count() == 1


def test_a_stale_page_cannot_post_once_the_organiser_locked_writing(room):
    _open(room, writing_open=True)
    stale_group = room.groups[0]  # as read by the page before the lock
    _open(room, writing_open=False)
    with pytest.raises(Refused):
        services.post_proposal(
            acting=room.people[0], group=stale_group, title="T", text="x", lever=Lever.OTHER
        )
    assert not Proposal.objects.exists()


def test_dots_are_limited_counted_once_and_frozen_when_the_vote_closes(room):
    _open(room, writing_open=True)
    proposals = [_post(room, room.people[i], title=f"P{i}") for i in range(3)]
    voter = room.people[1]
    with pytest.raises(Refused, match="pas ouvert"):
        services.vote(acting=voter, proposal=proposals[0])
    _open(room, voting_open=True)
    assert services.vote(acting=voter, proposal=proposals[0]) is not None
    assert services.vote(acting=voter, proposal=proposals[0]) is None  # the same dot again
    services.vote(acting=voter, proposal=proposals[1])
    with pytest.raises(services.JamError, match="2 gommettes"):
        services.vote(acting=voter, proposal=proposals[2])
    assert Vote.objects.filter(participant=voter).count() == 2
    services.close_vote(acting=room.facilitator, group=room.groups[0])
    with pytest.raises(Refused, match="clos"):
        services.unvote(acting=voter, proposal=proposals[0])
    assert Vote.objects.filter(participant=voter).count() == 2
    _open(room, voting_open=True)  # a closed vote stays closed
    room.groups[0].refresh_from_db()
    assert room.groups[0].vote_closed and not room.groups[0].voting_open


def test_a_merge_keeps_where_each_text_came_from_and_one_dot_per_voter(room):
    _open(room, writing_open=True, voting_open=True)
    a = _post(room, room.people[0], title="Fablabs ruraux")
    b = _post(room, room.people[1], title="Fablabs en campagne")
    for voter in room.people[:3]:
        services.vote(acting=voter, proposal=a)
    services.vote(acting=room.people[0], proposal=b)
    with pytest.raises(Refused):
        services.merge(acting=room.people[2], proposals=[a, b], title="x", text="y", lever="")
    merged = services.merge(
        acting=room.facilitator,
        proposals=[a, b],
        title="Des fablabs à la campagne",
        text="Fusion de deux propositions proches.",
        lever=Lever.FUNDING,
    )
    assert [s["title"] for s in merged.sources] == ["Fablabs ruraux", "Fablabs en campagne"]
    assert set(Proposal.objects.filter(merged_into=merged)) == {a, b}
    assert merged.votes.count() == 3  # three voters, one dot each
    assert [p.pk for p in selectors.group_proposals(room.groups[0])] == [merged.pk]


def test_the_agenda_holds_the_end_moment_through_pause_extension_and_end(room):
    phase = room.jam.phases.first()
    with clock.override(START):
        started = services.start_phase(acting=room.organiser, phase=phase)
    assert started.ends_at == START + dt.timedelta(minutes=20)
    with clock.override(started.ends_at - dt.timedelta(minutes=5)):
        paused = services.pause_phase(acting=room.organiser, phase=phase)
    assert paused.remaining_seconds == 300
    with pytest.raises(Refused):
        services.extend_phase(acting=room.people[0], phase=phase, minutes=5)
    services.extend_phase(acting=room.facilitator, phase=phase, minutes=5)
    with clock.override(START):
        resumed = services.resume_phase(acting=room.organiser, phase=phase)
    assert resumed.ends_at == START + dt.timedelta(minutes=10)
    revision = Jam.objects.get(pk=room.jam.pk).revision
    services.end_phase(acting=room.organiser, phase=phase)
    assert Jam.objects.get(pk=room.jam.pk).revision == revision + 1


def test_the_organiser_forms_balanced_groups_of_those_present(room):
    jam = room.jam
    extra = [person(jam, f"Nouvelle {i}") for i in range(4)]
    split = services.form_groups(acting=room.organiser, jam=jam)
    assert split.optimal
    # Six participants, four newcomers and the facilitator; the organiser sits nowhere.
    assert sorted(g.members.count() for g in room.groups) == [5, 6]
    for p in extra:
        p.refresh_from_db()
        assert p.group is not None
    room.facilitator.refresh_from_db()
    assert room.facilitator.group == room.groups[0]  # pinned facilitators stay
    with pytest.raises(Refused):
        services.form_groups(acting=room.people[0], jam=jam)
