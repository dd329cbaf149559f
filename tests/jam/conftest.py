"""A small jam: two groups, an organiser, a facilitator, participants seated in each group."""

import datetime as dt
from dataclasses import dataclass

import pytest

from pollen import clock
from pollen.jam import selectors
from pollen.jam.models import Jam, JamRole, Kind, Participant, Phase, PhaseKind, WorkingGroup

START = dt.datetime(2013, 6, 25, 9, 30, tzinfo=clock.PARIS)


@dataclass
class Room:
    jam: Jam
    groups: list[WorkingGroup]
    organiser: Participant
    facilitator: Participant
    people: list[Participant]  # three in group 0, three in group 1

    def enter(self, client, participant: Participant):
        """A browser holding this participant's personal link."""
        token = selectors.personal_token(participant)
        client.get(f"/jams/{self.jam.slug}/entrer/{token}/")
        return client


def make_jam(slug: str, organiser_user, *, capacity: int = 50, dots: int = 2) -> Jam:
    jam = Jam.objects.create(
        slug=slug,
        title=f"Jam {slug}",
        starts_at=START,
        place="Bercy",
        capacity=capacity,
        dots=dots,
        room_code=slug[:6].upper(),
        consent_text="J'accepte.",
        organiser=organiser_user,
        created_at=START - dt.timedelta(days=10),
    )
    for position, (name, kind, minutes) in enumerate(
        [("Idées", PhaseKind.IDEAS, 20), ("Vote", PhaseKind.VOTE, 10)]
    ):
        Phase.objects.create(jam=jam, position=position, name=name, kind=kind, minutes=minutes)
    return jam


def person(
    jam: Jam, name: str, *, role=JamRole.PARTICIPANT, group=None, user=None, pinned=False
) -> Participant:
    return Participant.objects.create(
        jam=jam,
        full_name=name,
        email=f"{name.lower().replace(' ', '.')}@{jam.slug}.example",
        organisation=f"Orga {name}",
        kind=Kind.ASSOCIATION,
        role=role,
        group=group,
        pinned=pinned,
        user=user,
        registered_at=START - dt.timedelta(days=5),
        checked_in_at=START,
    )


@pytest.fixture
def room(personas) -> Room:
    jam = make_jam("bercy", personas["manager"])
    groups = [
        WorkingGroup.objects.create(jam=jam, position=i, theme=t)
        for i, t in enumerate(["Fablabs partout", "Financement participatif"])
    ]
    organiser = person(jam, "Olga Organise", role=JamRole.ORGANISER, user=personas["manager"])
    facilitator = person(jam, "Fanny Anime", role=JamRole.FACILITATOR, group=groups[0], pinned=True)
    people = [person(jam, f"Part {i}", group=groups[i // 3]) for i in range(6)]
    return Room(jam, groups, organiser, facilitator, people)


@pytest.fixture(autouse=True)
def _fresh_fragments():
    """The shared renders are kept per process by (group, revision): each test's database
    starts its revisions again."""
    from pollen.jam import fragments

    fragments.forget()
    yield
    fragments.forget()
