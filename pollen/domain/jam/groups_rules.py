"""The rules a split of a jam breaks, e.g. after a facilitator moved someone by hand."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pollen.domain.jam.roster import (
    Id,
    Members,
    Participant,
    Quota,
    Reason,
    Roster,
    kind_counts,
    kind_names,
    listed,
    quoted,
    same_organisation_pairs,
)
from pollen.domain.text import Text, gettext_noop


@dataclass(frozen=True, slots=True)
class SplitCheck:
    """What a split breaks, and its two objective values (over the participants it seats)."""

    breaks: tuple[Reason, ...]
    same_organisation_pairs: int
    preference_points: int

    @property
    def valid(self) -> bool:
        return not self.breaks


def check_split(roster: Roster, members: Members) -> SplitCheck:
    """The broken rules of a split and its pairs and points."""
    known = {p.id: p for p in roster.participants}
    seated = {
        g: [known[i] for i in ids if i in known]
        for g, ids in members.items()
        if roster.group(g) is not None
    }
    return SplitCheck(
        breaks=rule_breaks(roster, members),
        same_organisation_pairs=sum(same_organisation_pairs(ps) for ps in seated.values()),
        preference_points=sum(p.points_for(g) for g, ps in seated.items() for p in ps),
    )


def rule_breaks(roster: Roster, members: Members) -> tuple[Reason, ...]:
    """Every rule the split breaks, each with a code and a French sentence; empty when it holds."""
    known = {p.id: p for p in roster.participants}
    template = gettext_noop("Le groupe « %(group)s » n'existe pas dans cette jam.")
    breaks = [
        Reason("unknown_group", Text(template, {"group": str(g)}), groups=(g,))
        for g in members
        if roster.group(g) is None
    ]
    seated = {
        g.id: [known[i] for i in members.get(g.id, ()) if i in known and known[i].present]
        for g in roster.groups
    }
    breaks += _seat_breaks(roster, members)
    breaks += _size_breaks(roster, seated)
    breaks += _kind_breaks(roster, seated)
    breaks += _pin_breaks(roster, members)
    return tuple(breaks)


def _seat_breaks(roster: Roster, members: Members) -> list[Reason]:
    known = {p.id: p for p in roster.participants}
    seats: dict[Id, list[Id]] = defaultdict(list)
    for g, ids in members.items():
        for i in ids:
            seats[i].append(g)
    breaks = []
    for i, groups in seats.items():
        if len(groups) > 1:
            labels = listed([roster.label(g) for g in groups])
            template = gettext_noop(
                "« %(person)s » est dans plusieurs groupes (%(groups)s) : un seul est permis."
            )
            text = Text(template, {"person": str(i), "groups": labels})
            breaks.append(Reason("seated_twice", text, tuple(groups), (i,)))
    lists = (
        ("unknown_participant", [i for i in seats if i not in known],
         gettext_noop("Participants inconnus de cette jam : %(people)s.")),
        ("absent_seated", [p.id for p in roster.participants if not p.present and p.id in seats],
         gettext_noop("Ces participants sont absents mais placés dans un groupe : %(people)s.")),
        ("unseated", [p.id for p in roster.present if p.id not in seats],
         gettext_noop("Ces participants présents ne sont dans aucun groupe : %(people)s.")),
    )  # fmt: skip
    for code, ids, template in lists:
        if ids:
            text = Text(template, {"people": quoted(ids)})
            breaks.append(Reason(code, text, participants=tuple(ids)))
    return breaks


def _size_breaks(roster: Roster, seated: dict[Id, list[Participant]]) -> list[Reason]:
    sizes = {g: len(ps) for g, ps in seated.items()}
    if not sizes or max(sizes.values()) - min(sizes.values()) <= 1:
        return []
    big, small = max(sizes.values()), min(sizes.values())
    bigs = [g for g in roster.groups if sizes[g.id] == big]
    smalls = [g for g in roster.groups if sizes[g.id] == small]
    others = len(set(sizes.values())) == 2  # every other group has the other size
    if others and (len(bigs) == 1 or len(smalls) == 1):
        alone, size, rest = (bigs[0], big, small) if len(bigs) == 1 else (smalls[0], small, big)
        template = gettext_noop(
            "Le groupe %(group)s compte %(size)s participants, les autres %(others)s : les "
            "tailles ne doivent pas différer de plus d'un."
        )
        params = {"group": alone.label, "size": str(size), "others": str(rest)}
    else:
        template = gettext_noop(
            "Le groupe %(big)s compte %(big_size)s participants et le groupe %(small)s "
            "%(small_size)s : les tailles ne doivent pas différer de plus d'un."
        )
        params = {"big": bigs[0].label, "big_size": str(big),
                  "small": smalls[0].label, "small_size": str(small)}  # fmt: skip
    return [Reason("sizes_unbalanced", Text(template, params), tuple(g.id for g in bigs + smalls))]


def _kind_breaks(roster: Roster, seated: dict[Id, list[Participant]]) -> list[Reason]:
    present = roster.present
    names = kind_names(present)
    breaks = []
    for group in roster.groups:
        counts = kind_counts(seated[group.id])
        for kind, total in kind_counts(present).items():
            quota = Quota(total, len(roster.groups))
            if quota.low <= counts[kind] <= quota.high:
                continue
            params = {"group": group.label, "count": str(counts[kind]), "kind": names[kind],
                      "low": str(quota.low), "high": str(quota.high), "total": str(total),
                      "groups": str(quota.groups)}  # fmt: skip
            template = (
                gettext_noop(
                    "Le groupe %(group)s compte %(count)s participants de type « %(kind)s » ; "
                    "chaque groupe doit en compter %(low)s (%(total)s présents de ce type pour "
                    "%(groups)s groupes)."
                )
                if quota.low == quota.high
                else gettext_noop(
                    "Le groupe %(group)s compte %(count)s participants de type « %(kind)s » ; "
                    "chaque groupe doit en compter %(low)s ou %(high)s (%(total)s présents de ce "
                    "type pour %(groups)s groupes)."
                )
            )
            breaks.append(Reason("kind_quota", Text(template, params), (group.id,)))
    return breaks


def _pin_breaks(roster: Roster, members: Members) -> list[Reason]:
    breaks = []
    for p, g in roster.pins().items():
        if any(p in ids for h, ids in members.items() if h == g):
            continue
        template = gettext_noop(
            "« %(person)s » est épinglé au groupe %(group)s mais n'y est pas placé."
        )
        text = Text(template, {"person": str(p), "group": roster.label(g)})
        breaks.append(Reason("pin_broken", text, (g,), (p,)))
    return breaks
