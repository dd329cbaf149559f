"""The jam's report to the decision-maker: figures gathered once, laid out as PDF and as ODT."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pollen import clock
from pollen.jam import selectors
from pollen.jam.models import (
    Jam,
    JamRole,
    Kind,
    Participant,
    Proposal,
    Registration,
    Synthesis,
    WorkingGroup,
)
from pollen.jam.report_odt import odt_of
from pollen.jam.report_pdf import pdf_of


def _duration(minutes: int) -> str:
    """'15 min', '1 h', '2 h 30'."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _("%(m)s min") % {"m": rest}
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _dots(n: int) -> str:
    return ngettext("%(n)s gommette", "%(n)s gommettes", n) % {"n": n}


@dataclass(frozen=True)
class Step:
    name: str
    kind: str
    minutes: int

    @property
    def duration(self) -> str:
        return _duration(self.minutes)


@dataclass(frozen=True)
class Line:
    """One proposal as the report shows it: labels, never codes."""

    pk: int
    title: str
    text: str
    group_number: int
    group: str
    lever: str
    dots: int
    comments: int
    merged_into: str  # the title of the proposal it lives on in, or ""
    outcome: str

    @property
    def facts(self) -> str:
        """The line under its title in the annex, where it sits under its group's heading."""
        facts = [self.lever, _dots(self.dots)]
        facts.append(
            ngettext("%(n)s commentaire", "%(n)s commentaires", self.comments)
            % {"n": self.comments}
        )
        if self.merged_into:
            facts.append(_("fusionnée dans « %(title)s »") % {"title": self.merged_into})
        if self.outcome:
            facts.append(_("décision : %(outcome)s") % {"outcome": self.outcome.lower()})
        return " · ".join(facts)


@dataclass(frozen=True)
class GroupSynthesis:
    finding: str
    proposals: tuple[Line, ...]  # most dots first
    lever: str
    who_acts: str
    means: str
    indicator: str

    @property
    def rows(self) -> list[tuple[str, str]]:
        retained = [f"{line.title} ({_dots(line.dots)})" for line in self.proposals]
        return [
            (_("Constat"), self.finding),
            (_("Propositions retenues"), "\n".join(retained) or "—"),
            (_("Levier de l'État"), self.lever),
            (_("Qui doit agir"), self.who_acts),
            (_("Moyens"), self.means or "—"),
            (_("Indicateur de suivi"), self.indicator or "—"),
        ]


@dataclass(frozen=True)
class GroupSummary:
    number: int
    theme: str
    present: tuple[int, ...]  # people present in the group, per kind, in `Report.kinds` order
    synthesis: GroupSynthesis | None

    @property
    def heading(self) -> str:
        return _("Groupe %(n)s — %(theme)s") % {"n": self.number, "theme": self.theme}


@dataclass(frozen=True)
class Report:
    title: str
    date: str
    place: str
    organiser: str
    description: str
    is_fictitious: bool
    agenda: tuple[Step, ...]
    kinds: tuple[str, ...]
    present: tuple[int, ...]  # everyone present, per kind, seated in a group or not
    groups: tuple[GroupSummary, ...]
    ranked: tuple[Line, ...]  # live proposals, most dots first
    proposals: tuple[Line, ...]  # every proposal, merged ones too, group by group

    @property
    def duration(self) -> str:
        return _duration(sum(step.minutes for step in self.agenda))

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The title page's table."""
        return [
            (_("Date"), self.date),
            (_("Lieu"), self.place),
            (_("Organisé par"), self.organiser),
            (_("Durée"), self.duration),
            (_("Personnes présentes"), str(sum(self.present))),
            (_("Groupes de travail"), str(len(self.groups))),
            (_("Propositions"), str(len(self.ranked))),
        ]

    @property
    def agenda_rows(self) -> list[list[str]]:
        rows = [[_("Étape"), _("Nature"), _("Durée")]]
        rows += [[step.name, step.kind, step.duration] for step in self.agenda]
        return [*rows, [_("Total"), "", self.duration]]

    @property
    def presence_rows(self) -> list[list[str]]:
        """Kinds × groups with totals, the header row first: the charts' figures as a table."""
        columns = [list(group.present) for group in self.groups]
        header = [_("Groupe %(n)s") % {"n": group.number} for group in self.groups]
        unseated = [
            total - sum(group.present[i] for group in self.groups)
            for i, total in enumerate(self.present)
        ]
        if any(unseated):
            columns.append(unseated)
            header.append(_("Sans groupe"))
        columns.append(list(self.present))
        rows = [[_("Présents"), *header, _("Total")]]
        rows += [[kind, *(str(c[i]) for c in columns)] for i, kind in enumerate(self.kinds)]
        return [*rows, [_("Total"), *(str(sum(c)) for c in columns)]]

    @property
    def annex(self) -> list[tuple[GroupSummary, list[Line]]]:
        """Each group with all its proposals, merged ones too."""
        return [
            (group, [line for line in self.proposals if line.group_number == group.number])
            for group in self.groups
        ]

    @property
    def ranked_rows(self) -> list[list[str]]:
        rows = [[_("Rang"), _("Proposition"), _("Groupe"), _("Levier"), _("Gommettes")]]
        return rows + [
            [str(rank), line.title, line.group, line.lever, str(line.dots)]
            for rank, line in enumerate(self.ranked, start=1)
        ]


def report_pdf(jam: Jam) -> bytes:
    return pdf_of(report_data(jam))


def report_odt(jam: Jam) -> bytes:
    return odt_of(report_data(jam))


def report_data(jam: Jam) -> Report:
    groups = list(jam.groups.order_by("position"))
    lines = _lines(jam, {group.pk: n for n, group in enumerate(groups, start=1)})
    seated, everyone = _presence(jam)
    return Report(
        title=jam.title,
        date=_date(jam.starts_at),
        place=jam.place,
        organiser=_organiser(jam),
        description=jam.description,
        is_fictitious=jam.is_fictitious,
        agenda=tuple(
            Step(p.name, p.get_kind_display(), p.minutes) for p in jam.phases.order_by("position")
        ),
        kinds=tuple(str(label) for label in Kind.labels),
        present=tuple(everyone[kind] for kind in Kind.values),
        groups=_groups(groups, lines, seated),
        ranked=tuple(lines[p.pk] for p in selectors.ranked_proposals(jam)),
        proposals=tuple(lines.values()),
    )


def _lines(jam: Jam, numbers: dict[int, int]) -> dict[int, Line]:
    proposals = (
        Proposal.objects.filter(jam=jam)
        .select_related("group", "merged_into")
        .annotate(
            votes_n=Count("votes", distinct=True), comments_n=Count("comments", distinct=True)
        )
        .order_by("group__position", "created_at", "id")
    )
    return {
        p.pk: Line(
            pk=p.pk,
            title=p.title,
            text=p.text,
            group_number=numbers[p.group_id],
            group=p.group.theme,
            lever=p.get_lever_display(),
            dots=p.votes_n,
            comments=p.comments_n,
            merged_into=p.merged_into.title if p.merged_into else "",
            outcome=p.get_outcome_display() if p.outcome else "",
        )
        for p in proposals
    }


def _presence(jam: Jam) -> tuple[Counter[tuple[int | None, str]], Counter[str]]:
    """Who was there (confirmed and checked in): per (group, kind), and per kind."""
    rows = (
        Participant.objects.filter(
            jam=jam, registration=Registration.CONFIRMED, checked_in_at__isnull=False
        )
        .order_by()
        .values("group_id", "kind")
        .annotate(n=Count("id"))
    )
    seated: Counter[tuple[int | None, str]] = Counter()
    everyone: Counter[str] = Counter()
    for row in rows:
        seated[row["group_id"], row["kind"]] += row["n"]
        everyone[row["kind"]] += row["n"]
    return seated, everyone


def _groups(
    groups: list[WorkingGroup], lines: dict[int, Line], seated: Counter[tuple[int | None, str]]
) -> tuple[GroupSummary, ...]:
    syntheses = {
        s.group_id: s
        for s in Synthesis.objects.filter(group__in=groups).prefetch_related("proposals")
    }
    return tuple(
        GroupSummary(
            number=number,
            theme=group.theme,
            present=tuple(seated[group.pk, kind] for kind in Kind.values),
            synthesis=_synthesis(syntheses[group.pk], lines) if group.pk in syntheses else None,
        )
        for number, group in enumerate(groups, start=1)
    )


def _synthesis(synthesis: Synthesis, lines: dict[int, Line]) -> GroupSynthesis:
    retained = sorted((lines[p.pk] for p in synthesis.proposals.all()), key=lambda line: -line.dots)
    return GroupSynthesis(
        finding=synthesis.finding,
        proposals=tuple(retained),
        lever=synthesis.get_lever_display(),
        who_acts=synthesis.who_acts,
        means=synthesis.means,
        indicator=synthesis.indicator,
    )


def _organiser(jam: Jam) -> str:
    """The organiser as registered in the jam (name and organisation), else their account."""
    staff = jam.participants.filter(role=JamRole.ORGANISER, user_id=jam.organiser_id).first()
    if staff is None:
        return str(jam.organiser)
    return f"{staff.full_name} ({staff.organisation})" if staff.organisation else staff.full_name


def _date(moment: dt.datetime) -> str:
    local = moment.astimezone(clock.PARIS)
    return _("%(day)s, %(hour)s h %(minute)02d") % {
        "day": formats.date_format(local, "l j F Y"),
        "hour": local.hour,
        "minute": local.minute,
    }
