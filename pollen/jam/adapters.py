"""The jam's rows as the domain's roster: who is in the room, their kind, organisation, wishes."""

from collections.abc import Iterable

from pollen.domain.jam import roster as domain
from pollen.domain.jam.roster import Id
from pollen.jam.models import Jam, JamRole, Participant, Registration

# The organiser and the decision-maker run or hear the jam; they sit in no working group.
SEATED_ROLES = (JamRole.PARTICIPANT, JamRole.FACILITATOR, JamRole.RAPPORTEUR)


def seatable(jam: Jam) -> list[Participant]:
    return list(
        jam.participants.filter(
            registration=Registration.CONFIRMED, role__in=SEATED_ROLES
        ).order_by("pk")
    )


def roster_of(jam: Jam, people: Iterable[Participant]) -> domain.Roster:
    """Present means checked in; a facilitator or rapporteur named to a group is pinned there."""
    people = list(people)
    return domain.Roster(
        groups=tuple(domain.Group(g.pk, g.theme) for g in jam.groups.all()),
        participants=tuple(
            domain.Participant(
                id=p.pk,
                kind=p.kind,
                organisation=p.organisation,
                preferences=tuple(p.preferences),
                present=p.checked_in_at is not None,
            )
            for p in people
        ),
        fixed=tuple(
            domain.Pin(p.pk, p.group_id) for p in people if p.pinned and p.group_id is not None
        ),
    )


def seating_of(people: Iterable[Participant]) -> dict[Id, Id]:
    return {p.pk: p.group_id for p in people if p.group_id is not None and p.checked_in_at}
