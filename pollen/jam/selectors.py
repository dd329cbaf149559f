"""Who someone is in a jam (their personal link, the room code, or their platform account), what
they may do there, and what each screen reads.
"""

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from pollen.jam.models import (
    ACTIVE,
    Comment,
    Jam,
    JamRole,
    Participant,
    Phase,
    PhaseState,
    Proposal,
    Registration,
    Vote,
    WorkingGroup,
)
from pollen.permissions import Decision

LINK_SALT = "pollen.jam.link"
SESSION_KEY = "jam_participants"  # {jam pk: [participant pk, link version]}
RUNNERS = (JamRole.ORGANISER, JamRole.FACILITATOR)


def personal_token(participant: Participant) -> str:
    return signing.dumps([participant.pk, participant.link_version], salt=LINK_SALT)


def participant_of_token(jam: Jam, token: str) -> Participant | None:
    """The participant a personal link names, if it is genuine, of this jam, and not revoked."""
    try:
        pk, version = signing.loads(token, salt=LINK_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    participant = Participant.objects.filter(pk=pk, jam=jam).first()
    if participant is None or participant.link_version != version:
        return None
    if participant.registration == Registration.CANCELLED:
        return None
    return participant


def remember(request: HttpRequest, participant: Participant) -> None:
    """Signs this browser in to this jam only (never to the platform)."""
    held = dict(request.session.get(SESSION_KEY, {}))
    held[str(participant.jam_id)] = [participant.pk, participant.link_version]
    request.session[SESSION_KEY] = held
    request.session.cycle_key()


def viewer(request: HttpRequest, jam: Jam) -> Participant | None:
    """The person this browser is in this jam, or None: a participant of another jam is nobody here."""
    held = request.session.get(SESSION_KEY, {}).get(str(jam.pk))
    if held:
        participant = (
            Participant.objects.select_related("group").filter(pk=held[0], jam=jam).first()
        )
        if participant is not None and participant.link_version == held[1]:
            return participant
    user: Any = request.user
    if user.is_authenticated:
        return (
            Participant.objects.select_related("group")
            .filter(jam=jam, user=user)
            .exclude(registration=Registration.CANCELLED)
            .first()
        )
    return None


def group_revision(slug: str, pk: int) -> tuple[int, str] | None:
    """(jam pk, what a group's screen shows: the jam-wide stage and the group's own writes)."""
    row = (
        WorkingGroup.objects.filter(pk=pk, jam__slug=slug)
        .values_list("jam_id", "jam__stage_revision", "revision")
        .first()
    )
    return None if row is None else (row[0], f"{row[1]}.{row[2]}")


def access_jam(slug: str) -> Jam:
    jam = Jam.objects.filter(slug=slug).first()
    if jam is None:
        raise Http404(_("Jam introuvable."))
    return jam


def access_group(jam: Jam, pk: int) -> WorkingGroup:
    group = WorkingGroup.objects.filter(jam=jam, pk=pk).first()
    if group is None:
        raise Http404(_("Groupe introuvable."))
    return group


def access_proposal(jam: Jam, pk: int) -> Proposal:
    proposal = Proposal.objects.select_related("group").filter(jam=jam, pk=pk).first()
    if proposal is None:
        raise Http404(_("Proposition introuvable."))
    proposal.jam = proposal.group.jam = jam  # read already: the same row
    return proposal


def can_enter(participant: Participant | None) -> Decision:
    if participant is None:
        return Decision(
            False, _("Entrez dans le jam avec votre lien personnel ou le code de salle.")
        )
    if participant.registration != Registration.CONFIRMED:
        return Decision(
            False, _("Votre inscription n'est pas confirmée : vous êtes en liste d'attente.")
        )
    return Decision(True)


def can_run(participant: Participant | None, group: WorkingGroup | None = None) -> Decision:
    """The console and the agenda: the organiser and the facilitators; a group's openings and
    vote: the organiser, or that group's facilitator (group=None: the whole jam)."""
    if not (decision := can_enter(participant)):
        return decision
    assert participant is not None
    if participant.role == JamRole.ORGANISER:
        return Decision(True)
    if participant.role == JamRole.FACILITATOR and (
        group is None or participant.group_id == group.pk
    ):
        return Decision(True)
    return Decision(False, _("Seuls l'organisateur et les animateurs pilotent le jam."))


def can_organise(participant: Participant | None) -> Decision:
    if participant is not None and participant.role == JamRole.ORGANISER:
        return Decision(True)
    return Decision(False, _("Seul l'organisateur du jam peut faire cela."))


def can_decide(participant: Participant | None) -> Decision:
    if participant is not None and participant.role == JamRole.DECISION_MAKER:
        return Decision(True)
    return Decision(False, _("Seul le décideur du jam répond aux propositions."))


def can_write_synthesis(participant: Participant | None, group: WorkingGroup) -> Decision:
    if not (decision := can_enter(participant)):
        return decision
    assert participant is not None
    if participant.role == JamRole.RAPPORTEUR and participant.group_id == group.pk:
        return Decision(True)
    if can_run(participant, group):
        return Decision(True)
    return Decision(False, _("Seul le rapporteur du groupe écrit sa synthèse."))


def _member(participant: Participant | None, group: WorkingGroup) -> Decision:
    if not (decision := can_enter(participant)):
        return decision
    assert participant is not None
    if participant.group_id != group.pk and not can_run(participant, group):
        return Decision(False, _("Vous n'êtes pas dans ce groupe de travail."))
    return Decision(True)


def can_post(participant: Participant | None, group: WorkingGroup) -> Decision:
    if not (decision := _member(participant, group)):
        return decision
    if not group.writing_open:
        return Decision(False, _("Les propositions sont fermées pour le moment dans ce groupe."))
    return Decision(True)


def can_comment(participant: Participant | None, group: WorkingGroup) -> Decision:
    if not (decision := _member(participant, group)):
        return decision
    if not group.commenting_open:
        return Decision(False, _("Les commentaires sont fermés pour le moment dans ce groupe."))
    return Decision(True)


def can_vote(participant: Participant | None, group: WorkingGroup) -> Decision:
    if not (decision := _member(participant, group)):
        return decision
    if group.vote_closed:
        return Decision(False, _("Le vote est clos : il n'est plus possible de voter."))
    if not group.voting_open:
        return Decision(False, _("Le vote n'est pas ouvert dans ce groupe."))
    return Decision(True)


def can_read_group(participant: Participant | None, group: WorkingGroup) -> Decision:
    return _member(participant, group)


def is_over(jam: Jam) -> bool:
    """The jam has taken place once its whole agenda has run: registration is closed then."""
    states = set(jam.phases.values_list("state", flat=True))
    return bool(states) and states == {PhaseState.DONE}


@dataclass(frozen=True)
class Clock:
    """The running phase and its end moment, for every screen's countdown."""

    phase: Phase | None
    next_phase: Phase | None


def agenda(jam: Jam) -> Clock:
    phases = list(jam.phases.all())
    current = next((p for p in phases if p.state in {PhaseState.RUNNING, PhaseState.PAUSED}), None)
    upcoming = next((p for p in phases if p.state == PhaseState.PENDING), None)
    return Clock(current, upcoming)


def group_proposals(group: WorkingGroup) -> QuerySet[Proposal]:
    """The live proposals of a group, with their comments and dot counts."""
    return (
        Proposal.objects.filter(ACTIVE, group=group)
        .select_related("author")
        .prefetch_related(
            Prefetch("comments", queryset=Comment.objects.select_related("author")),
            "merged",
        )
        .annotate(dots=Count("votes"))
        .order_by("created_at", "id")
    )


def my_votes(participant: Participant) -> set[int]:
    return set(participant.votes.values_list("proposal_id", flat=True))


def ranked_proposals(jam: Jam) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(ACTIVE, jam=jam)
        .select_related("group")
        .annotate(dots=Count("votes"))
        .order_by("-dots", "group__position", "created_at")
    )


def confirmed(jam: Jam) -> QuerySet[Participant]:
    return jam.participants.filter(registration=Registration.CONFIRMED)


def search_participants(jam: Jam, text: str) -> QuerySet[Participant]:
    """Check-in by name: any word of the name or organisation, accents as typed."""
    qs = jam.participants.exclude(registration=Registration.CANCELLED).order_by("full_name")
    for word in text.split()[:4]:
        qs = qs.filter(Q(full_name__icontains=word) | Q(organisation__icontains=word))
    return qs[:30]


# The facilitator's console ----------------------------------------------------------------


@dataclass(frozen=True)
class GroupActivity:
    """One row of the console's table: what is happening in a group, in counts."""

    group: WorkingGroup
    members: int
    present: int
    proposals: int
    comments: int
    dots: int
    voters: int


def _per_group(rows: Any, *names: str) -> dict[int, tuple[int, ...]]:
    return {row["key"]: tuple(row[name] for name in names) for row in rows}


def groups_activity(jam: Jam) -> list[GroupActivity]:
    """Each group's members, proposals, comments and dots cast: four grouped counts, whatever
    the number of groups (counts only: which proposal the dots went to stays hidden)."""
    seated = _per_group(
        jam.participants.filter(group__isnull=False)
        .values(key=F("group"))
        .annotate(n=Count("pk"), here=Count("pk", filter=Q(checked_in_at__isnull=False))),
        "n",
        "here",
    )
    proposals = _per_group(
        Proposal.objects.filter(ACTIVE, jam=jam).values(key=F("group")).annotate(n=Count("pk")),
        "n",
    )
    comments = _per_group(
        Comment.objects.filter(proposal__jam=jam, proposal__merged_into__isnull=True)
        .values(key=F("proposal__group"))
        .annotate(n=Count("pk")),
        "n",
    )
    votes = _per_group(
        Vote.objects.filter(proposal__jam=jam)
        .values(key=F("proposal__group"))
        .annotate(n=Count("pk"), voters=Count("participant", distinct=True)),
        "n",
        "voters",
    )
    return [
        GroupActivity(
            group,
            *seated.get(group.pk, (0, 0)),
            *proposals.get(group.pk, (0,)),
            *comments.get(group.pk, (0,)),
            *votes.get(group.pk, (0, 0)),
        )
        for group in jam.groups.all()
    ]


def latest_proposals(jam: Jam, count: int = 8) -> QuerySet[Proposal]:
    return (
        Proposal.objects.filter(ACTIVE, jam=jam)
        .select_related("group", "author")
        .annotate(comment_count=Count("comments"))
        .order_by("-created_at", "-id")[:count]
    )


def latest_arrivals(jam: Jam, count: int = 8) -> QuerySet[Participant]:
    return jam.participants.filter(checked_in_at__isnull=False).order_by("-checked_in_at", "-id")[
        :count
    ]


def welcome_counts(jam: Jam) -> dict[str, Any]:
    """Present, confirmed and waiting, and the last arrival's moment: one query, and the mark
    the console's welcome area is fetched against (it moves only when these do)."""
    return jam.participants.aggregate(
        present=Count("pk", filter=Q(checked_in_at__isnull=False)),
        confirmed=Count("pk", filter=Q(registration=Registration.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(registration=Registration.WAITLISTED)),
        last=Max("checked_in_at"),
    )
