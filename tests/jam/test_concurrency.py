"""Votes sent at once on PostgreSQL: counted exactly, never beyond one's dots, a double once."""

import threading

import pytest
from django.db import connection

from pollen.jam import services
from pollen.jam.models import Lever, Vote

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _in_parallel(calls):
    """Run each call in its own thread and connection, all released at the same moment."""
    barrier = threading.Barrier(len(calls))
    outcomes, errors = [], []

    def run(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except services.JamError as exc:
            outcomes.append(exc)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return outcomes


@pytest.fixture
def open_vote(room):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is proven on PostgreSQL (SQLite serialises writers)")
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, writing_open=True)
    proposals = [
        services.post_proposal(
            acting=room.people[i % 3],
            group=room.groups[0],
            title=f"P{i}",
            text="x",
            lever=Lever.OTHER,
        )
        for i in range(6)
    ]
    services.set_openings(acting=room.organiser, jam=room.jam, group=None, voting_open=True)
    return room, proposals


def test_one_voter_spending_six_dots_at_once_gets_exactly_their_two(open_vote):
    room, proposals = open_vote
    voter = room.people[0]
    outcomes = _in_parallel(
        [lambda p=p: services.vote(acting=voter, proposal=p) for p in proposals]
    )
    assert sum(isinstance(o, Vote) for o in outcomes) == 2
    assert sum(isinstance(o, services.JamError) for o in outcomes) == 4
    assert Vote.objects.filter(participant=voter).count() == 2


def test_the_same_vote_sent_ten_times_at_once_is_one_dot(open_vote):
    room, proposals = open_vote
    voter = room.people[1]
    outcomes = _in_parallel([lambda: services.vote(acting=voter, proposal=proposals[0])] * 10)
    assert sum(isinstance(o, Vote) for o in outcomes) == 1
    assert Vote.objects.filter(participant=voter).count() == 1


def test_everyone_voting_at_once_is_counted_exactly(open_vote):
    room, proposals = open_vote
    voters = [room.facilitator, *room.people[:3]]
    calls = [
        lambda v=v, p=p: services.vote(acting=v, proposal=p) for v in voters for p in proposals[:2]
    ]
    outcomes = _in_parallel(calls)
    acknowledged = sum(isinstance(o, Vote) for o in outcomes)
    assert acknowledged == Vote.objects.count() == 8
