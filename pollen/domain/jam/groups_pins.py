"""Why no split can keep every rule, found before solving: the pins that make it impossible.

Without pins a split always exists: deal the present participants, sorted by kind, to the
groups in turn; each kind then fills consecutive seats, so every count is a floor or a
ceiling. Only pins (or having no group at all) can make the rules impossible, so these checks
look at pins; the rarer conflicts they miss get the solver's generic reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from pollen.domain.jam.roster import (
    Group,
    Id,
    Participant,
    Quota,
    Reason,
    Roster,
    kind_counts,
    kind_names,
    listed,
)
from pollen.domain.text import Text, gettext_noop


def pin_reasons(roster: Roster) -> tuple[Reason, ...]:
    """The plain causes that no split can respect every rule, most basic first."""
    if roster.present and not roster.groups:
        template = gettext_noop(
            "Aucun groupe n'est défini pour les %(count)s participants présents."
        )
        return (Reason("no_groups", Text(template, {"count": str(len(roster.present))})),)
    return _pin_references(roster) or _pins_over_quota(roster) or _pins_over_extras(roster)


def generic_infeasibility() -> Reason:
    """The solver's verdict when no plain cause was found beforehand."""
    template = gettext_noop(
        "Aucune répartition ne respecte à la fois les épinglages, l'équilibre des tailles et les "
        "quotas par type : retirez ou changez des épinglages."
    )
    return Reason("infeasible", Text(template))


def _pin_references(roster: Roster) -> tuple[Reason, ...]:
    known = {p.id for p in roster.participants}
    reasons = []
    targets: dict[Id, set[Id]] = defaultdict(set)
    for pin in roster.fixed:
        targets[pin.participant].add(pin.group)
        params = {"person": str(pin.participant), "group": str(pin.group)}
        if pin.participant not in known:
            template = gettext_noop(
                "Un épinglage vise « %(person)s », qui n'est pas un participant."
            )
            reason = Reason(
                "pin_unknown_participant", Text(template, params), (), (pin.participant,)
            )
            reasons.append(reason)
        if roster.group(pin.group) is None:
            template = gettext_noop(
                "« %(person)s » est épinglé au groupe « %(group)s », qui n'existe pas."
            )
            reason = Reason(
                "pin_unknown_group", Text(template, params), (pin.group,), (pin.participant,)
            )
            reasons.append(reason)
    present = {p.id for p in roster.present}
    for p, groups in targets.items():
        if len(groups) > 1 and p in present:
            labels = listed([roster.label(g) for g in sorted(groups, key=str)])
            template = gettext_noop("« %(person)s » est épinglé à plusieurs groupes (%(groups)s).")
            text = Text(template, {"person": str(p), "groups": labels})
            reasons.append(Reason("pin_conflict", text, tuple(groups), (p,)))
    return tuple(reasons)


@dataclass(frozen=True, slots=True)
class _Pinned:
    """The size and kind quotas of the present participants, and the pinned ones per group."""

    size: Quota
    kinds: dict[str, Quota]
    names: dict[str, str]
    per_group: dict[Id, list[Participant]]

    @classmethod
    def of(cls, roster: Roster) -> _Pinned:
        present = roster.present
        m = len(roster.groups)
        kinds = {k: Quota(n, m) for k, n in kind_counts(present).items()}
        per_group: dict[Id, list[Participant]] = {g.id: [] for g in roster.groups}
        pins = roster.pins()
        for p in present:
            if p.id in pins:
                per_group[pins[p.id]].append(p)
        return cls(Quota(len(present), m), kinds, kind_names(present), per_group)

    def least_size(self, group: Group) -> int:
        """The fewest participants the group can have once every kind has its minimum."""
        counts = kind_counts(self.per_group[group.id])
        return sum(max(q.low, counts[k]) for k, q in self.kinds.items())

    def size_params(self, group: Group, count: int) -> dict[str, str]:
        return {"group": group.label, "count": str(count), "high": str(self.size.high),
                "present": str(self.size.count), "groups": str(self.size.groups)}  # fmt: skip

    def kind_params(self, kind: str) -> dict[str, str]:
        quota = self.kinds[kind]
        return {"kind": self.names[kind], "low": str(quota.low), "high": str(quota.high),
                "present": str(quota.count), "groups": str(quota.groups),
                "allowed": str(quota.high_groups)}  # fmt: skip


def _pins_over_quota(roster: Roster) -> tuple[Reason, ...]:
    pinned = _Pinned.of(roster)
    reasons = []
    for group in roster.groups:
        people = pinned.per_group[group.id]
        ids = tuple(p.id for p in people)
        if len(people) > pinned.size.high:
            template = gettext_noop(
                "Le groupe %(group)s a %(count)s participants épinglés, plus que le maximum de "
                "%(high)s par groupe (%(present)s présents pour %(groups)s groupes)."
            )
            params = pinned.size_params(group, len(people))
            reasons.append(Reason("pins_over_size", Text(template, params), (group.id,), ids))
        for kind, count in kind_counts(people).items():
            if count > pinned.kinds[kind].high:
                template = gettext_noop(
                    "Le groupe %(group)s a %(count)s participants épinglés de type « %(kind)s », "
                    "plus que le maximum de %(high)s par groupe (%(present)s présents de ce type "
                    "pour %(groups)s groupes)."
                )
                params = {**pinned.kind_params(kind), "group": group.label, "count": str(count)}
                reason = Reason("pins_over_kind_quota", Text(template, params), (group.id,), ids)
                reasons.append(reason)
    return tuple(reasons)


def _pins_over_extras(roster: Roster) -> tuple[Reason, ...]:
    """Pins that push more groups to a kind's ceiling than may reach it, or a group past its size.

    Once each kind holds, the least sizes sum to at most the number present, so no separate
    count of groups pushed to the size ceiling is needed.
    """
    pinned = _Pinned.of(roster)
    reasons = []
    for kind, quota in pinned.kinds.items():
        full = [g for g in roster.groups if kind_counts(pinned.per_group[g.id])[kind] > quota.low]
        if len(full) > quota.high_groups:
            template = (
                gettext_noop(
                    "Les épinglages mettent %(high)s participants de type « %(kind)s » dans "
                    "%(count)s groupes (%(full)s), alors qu'un seul groupe peut en compter "
                    "autant (%(present)s présents de ce type pour %(groups)s groupes)."
                )
                if quota.high_groups == 1
                else gettext_noop(
                    "Les épinglages mettent %(high)s participants de type « %(kind)s » dans "
                    "%(count)s groupes (%(full)s), alors que seuls %(allowed)s groupes peuvent en "
                    "compter autant (%(present)s présents de ce type pour %(groups)s groupes)."
                )
            )
            params = {**pinned.kind_params(kind), "count": str(len(full)),
                      "full": listed([g.label for g in full])}  # fmt: skip
            reasons.append(
                Reason("pins_over_kind_extras", Text(template, params), tuple(g.id for g in full))
            )
    for group in roster.groups:
        least = pinned.least_size(group)
        if least > pinned.size.high:
            template = gettext_noop(
                "Avec ses participants épinglés, le groupe %(group)s compterait au moins "
                "%(count)s participants une fois chaque type au minimum, plus que le maximum de "
                "%(high)s par groupe (%(present)s présents pour %(groups)s groupes)."
            )
            params = pinned.size_params(group, least)
            reasons.append(Reason("pins_force_oversize", Text(template, params), (group.id,)))
    return tuple(reasons)
