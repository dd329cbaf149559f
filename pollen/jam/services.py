"""Every change in a jam: atomic, checked against who asks, audited, and seen by every screen
(the jam's revision is raised in the same transaction, so polling screens notice at once).
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from pollen import clock
from pollen.audit.services import record_event
from pollen.domain.jam import groups as domain_groups
from pollen.jam import adapters, selectors, streams
from pollen.jam.models import (
    Comment,
    Jam,
    Kind,
    Lever,
    Outcome,
    Participant,
    Phase,
    PhaseState,
    Proposal,
    Registration,
    Synthesis,
    Vote,
    WorkingGroup,
)
from pollen.mailing.services import absolute_url, queue_mail
from pollen.permissions import require

TITLE_MAX, TEXT_MAX, COMMENT_MAX = 200, 5000, 2000


class JamError(Exception):
    """A refused change; the message, in the person's language, says what to do."""


def _touch(jam: Jam, group: WorkingGroup | None = None, *, screens: bool = True) -> None:
    """Mark the change for the screens that poll: the plenary sees every write; a group's
    screen sees its group's writes (group given) and the jam-wide ones (group=None), so a
    write in one group does not make the other groups' screens download their fragment.
    screens=False: nothing a participant's or the room's screen shows (a registration, a
    check-in, a dot while the counts are hidden: the voter gets its fragment in the answer),
    only the facilitator's console.
    On PostgreSQL the new revisions are NOTIFYed in this transaction: the streams hear of the
    change when it commits, and never of one rolled back (streams.py)."""
    stage = {"stage_revision": F("stage_revision") + 1} if group is None and screens else {}
    Jam.objects.filter(pk=jam.pk).update(revision=F("revision") + 1, **stage)
    if group is not None:
        WorkingGroup.objects.filter(pk=group.pk).update(revision=F("revision") + 1)
    streams.notify(jam, group, quiet=not screens)


def _actor(participant: Participant | None) -> Any:
    return participant.user if participant is not None else None


def _event(participant: Participant | None, action: str, obj: Any, **after: Any) -> None:
    if participant is not None:
        after["participant"] = participant.pk
    record_event(actor=_actor(participant), action=action, obj=obj, after=after)


def _clean_text(value: str, label: str, maximum: int) -> str:
    value = value.strip()
    if not value:
        raise JamError(_("%(label)s est vide.") % {"label": label})
    if len(value) > maximum:
        raise JamError(
            _("%(label)s dépasse %(max)s caractères (%(n)s) : raccourcissez-le.")
            % {"label": label, "max": maximum, "n": len(value)}
        )
    return value


# Registration and entry -------------------------------------------------------------------


@transaction.atomic
def register(
    *,
    jam: Jam,
    full_name: str,
    email: str,
    organisation: str,
    kind: str,
    preferences: list[int],
    user: Any = None,
) -> Participant:
    """Anyone may register until the jam has taken place; past the capacity, on the waiting
    list. A personal link is mailed."""
    jam = Jam.objects.select_for_update().get(pk=jam.pk)  # capacity counted under the lock
    if selectors.is_over(jam):
        raise JamError(_("Ce jam a eu lieu : les inscriptions sont closes."))
    email = email.strip().lower()
    if kind not in Kind.values:
        raise JamError(_("Indiquez qui vous êtes (entreprise, association, administration…)."))
    if jam.participants.filter(email=email).exists():
        raise JamError(
            _("Cette adresse est déjà inscrite à ce jam : utilisez votre lien personnel.")
        )
    groups = set(jam.groups.values_list("pk", flat=True))
    if len(preferences) > 3 or not set(preferences) <= groups:
        raise JamError(_("Choisissez au plus trois thèmes parmi ceux du jam."))
    full = selectors.confirmed(jam).count() >= jam.capacity
    now = clock.now()
    participant = Participant.objects.create(
        jam=jam,
        full_name=_clean_text(full_name, _("Le nom"), 150),
        email=email,
        organisation=organisation.strip()[:200],
        kind=kind,
        preferences=list(dict.fromkeys(preferences)),
        registration=Registration.WAITLISTED if full else Registration.CONFIRMED,
        user=user,
        consented_at=now,
        registered_at=now,
    )
    _mail_link(participant)
    _touch(jam, screens=False)
    _event(participant, "jam.registered", participant, registration=participant.registration)
    return participant


def entry_path(participant: Participant) -> str:
    return reverse("jam:enter", args=[participant.jam.slug, selectors.personal_token(participant)])


def _mail_link(participant: Participant) -> None:
    jam = participant.jam
    if participant.registration == Registration.WAITLISTED:
        status = _(
            "Le jam est complet : vous êtes sur la liste d'attente. Nous vous écrirons si une place se libère."
        )
    else:
        status = _("Votre inscription est confirmée.")
    link = absolute_url(entry_path(participant))
    queue_mail(
        recipients=[participant.email],
        subject=_("Votre inscription au jam « %(title)s »") % {"title": jam.title},
        body=_(
            "Bonjour %(name)s,\n\n%(status)s\n\nLe %(when)s, %(place)s.\n\n"
            "Votre lien personnel pour entrer dans le jam (ne le partagez pas) :\n%(link)s\n\n"
            "À l'accueil, présentez le QR code joint à ce courriel (ou celui qu'affiche ce "
            "lien) : l'équipe le scanne pour noter votre arrivée. Sur place, vous pourrez aussi "
            "entrer avec le code de salle et votre adresse."
        )
        % {
            "name": participant.full_name,
            "status": status,
            "when": clock.paris(jam.starts_at),
            "place": jam.place,
            "link": link,
        },
        qr_link=link,
    )


def enter_with_code(*, jam: Jam, room_code: str, email: str) -> Participant:
    if room_code.strip().upper() != jam.room_code.upper():
        raise JamError(_("Ce code de salle ne correspond pas à ce jam."))
    participant = (
        jam.participants.filter(email=email.strip().lower())
        .exclude(registration=Registration.CANCELLED)
        .first()
    )
    if participant is None:
        raise JamError(_("Aucune inscription à ce jam avec cette adresse."))
    return participant


@transaction.atomic
def revoke_link(*, acting: Participant | None, participant: Participant) -> Participant:
    """Every personal link sent to this person stops working; a new one is mailed."""
    require(selectors.can_organise(acting))
    Participant.objects.filter(pk=participant.pk).update(link_version=F("link_version") + 1)
    participant.refresh_from_db()
    _mail_link(participant)
    _event(acting, "jam.link_revoked", participant)
    return participant


@transaction.atomic
def check_in(*, acting: Participant | None, participant: Participant) -> Participant:
    require(selectors.can_run(acting))
    if participant.registration != Registration.CONFIRMED:
        raise JamError(_("%(name)s est en liste d'attente.") % {"name": participant.full_name})
    if participant.checked_in_at is None:
        participant.checked_in_at = clock.now()
        participant.save(update_fields=["checked_in_at"])
        _touch(participant.jam, screens=False)
        _event(acting, "jam.checked_in", participant)
    return participant


# The agenda ---------------------------------------------------------------------------------


def _locked_phase(phase: Phase) -> Phase:
    return Phase.objects.select_for_update().select_related("jam").get(pk=phase.pk)


@transaction.atomic
def start_phase(*, acting: Participant | None, phase: Phase) -> Phase:
    """The phase runs from now for its duration; the one running before it ends."""
    require(selectors.can_run(acting))
    phase = _locked_phase(phase)
    Phase.objects.filter(jam=phase.jam, state__in=[PhaseState.RUNNING, PhaseState.PAUSED]).exclude(
        pk=phase.pk
    ).update(state=PhaseState.DONE, remaining_seconds=None)
    phase.state = PhaseState.RUNNING
    phase.ends_at = clock.now() + dt.timedelta(minutes=phase.minutes)
    phase.remaining_seconds = None
    phase.save(update_fields=["state", "ends_at", "remaining_seconds"])
    _touch(phase.jam)
    _event(acting, "jam.phase_started", phase, ends_at=phase.ends_at.isoformat())
    return phase


@transaction.atomic
def pause_phase(*, acting: Participant | None, phase: Phase) -> Phase:
    require(selectors.can_run(acting))
    phase = _locked_phase(phase)
    if phase.state != PhaseState.RUNNING or phase.ends_at is None:
        raise JamError(_("Seule une phase en cours peut être mise en pause."))
    left = max(int((phase.ends_at - clock.now()).total_seconds()), 0)
    phase.state, phase.remaining_seconds = PhaseState.PAUSED, left
    phase.save(update_fields=["state", "remaining_seconds"])
    _touch(phase.jam)
    _event(acting, "jam.phase_paused", phase, remaining_seconds=left)
    return phase


@transaction.atomic
def resume_phase(*, acting: Participant | None, phase: Phase) -> Phase:
    require(selectors.can_run(acting))
    phase = _locked_phase(phase)
    if phase.state != PhaseState.PAUSED:
        raise JamError(_("Cette phase n'est pas en pause."))
    phase.state = PhaseState.RUNNING
    phase.ends_at = clock.now() + dt.timedelta(seconds=phase.remaining_seconds or 0)
    phase.remaining_seconds = None
    phase.save(update_fields=["state", "ends_at", "remaining_seconds"])
    _touch(phase.jam)
    _event(acting, "jam.phase_resumed", phase, ends_at=phase.ends_at.isoformat())
    return phase


@transaction.atomic
def extend_phase(*, acting: Participant | None, phase: Phase, minutes: int) -> Phase:
    require(selectors.can_run(acting))
    phase = _locked_phase(phase)
    if not 1 <= minutes <= 60:
        raise JamError(_("Prolongez de 1 à 60 minutes."))
    if phase.state == PhaseState.RUNNING and phase.ends_at is not None:
        phase.ends_at += dt.timedelta(minutes=minutes)
    elif phase.state == PhaseState.PAUSED:
        phase.remaining_seconds = (phase.remaining_seconds or 0) + minutes * 60
    else:
        raise JamError(_("Seule une phase en cours ou en pause peut être prolongée."))
    phase.save(update_fields=["ends_at", "remaining_seconds"])
    _touch(phase.jam)
    _event(acting, "jam.phase_extended", phase, minutes=minutes)
    return phase


@transaction.atomic
def end_phase(*, acting: Participant | None, phase: Phase) -> Phase:
    """End (or skip, when it has not started) a phase."""
    require(selectors.can_run(acting))
    phase = _locked_phase(phase)
    if phase.state == PhaseState.DONE:
        raise JamError(_("Cette phase est déjà terminée."))
    phase.state, phase.remaining_seconds = PhaseState.DONE, None
    phase.save(update_fields=["state", "remaining_seconds"])
    _touch(phase.jam)
    _event(acting, "jam.phase_ended", phase)
    return phase


OPENINGS = ("writing_open", "commenting_open", "voting_open")


@transaction.atomic
def set_openings(
    *, acting: Participant | None, jam: Jam, group: WorkingGroup | None, **openings: bool
) -> int:
    """Open or lock writing, commenting and voting, for one group or (group=None) for all."""
    require(selectors.can_run(acting, group))
    changes = {k: v for k, v in openings.items() if k in OPENINGS}
    groups = WorkingGroup.objects.filter(jam=jam)
    if group is not None:
        groups = groups.filter(pk=group.pk)
    if changes.get("voting_open"):
        groups = groups.filter(vote_closed=False)
    count = groups.update(**changes)
    _touch(jam, group)
    _event(acting, "jam.openings", group or jam, **changes)
    return count


@transaction.atomic
def close_vote(*, acting: Participant | None, group: WorkingGroup) -> WorkingGroup:
    """The vote ends for good in this group: its results are shown to everyone."""
    require(selectors.can_run(acting, group))
    group = WorkingGroup.objects.select_for_update().get(pk=group.pk)
    group.voting_open, group.vote_closed = False, True
    group.save(update_fields=["voting_open", "vote_closed"])
    _touch(group.jam, group)
    _event(acting, "jam.vote_closed", group)
    return group


@transaction.atomic
def broadcast(*, acting: Participant | None, jam: Jam, message: str) -> Jam:
    require(selectors.can_run(acting))
    jam.broadcast = message.strip()[:300]
    Jam.objects.filter(pk=jam.pk).update(broadcast=jam.broadcast)
    _touch(jam)
    _event(acting, "jam.broadcast", jam, message=jam.broadcast)
    return jam


# What participants write --------------------------------------------------------------------


def _locked_group(group: WorkingGroup) -> WorkingGroup:
    """Read the openings under a lock: a stale page cannot post into a phase just locked.
    The group's row only (`of`): the jam's row, read with it, stays free for the other groups."""
    return (
        WorkingGroup.objects.select_for_update(of=("self",)).select_related("jam").get(pk=group.pk)
    )


@transaction.atomic
def post_proposal(
    *, acting: Participant | None, group: WorkingGroup, title: str, text: str, lever: str
) -> Proposal:
    group = _locked_group(group)
    require(selectors.can_post(acting, group))
    assert acting is not None
    if lever not in Lever.values:
        raise JamError(_("Choisissez le levier que l'État pourrait actionner."))
    proposal = Proposal.objects.create(
        jam=group.jam,
        group=group,
        author=acting,
        title=_clean_text(title, _("Le titre"), TITLE_MAX),
        text=_clean_text(text, _("Le texte de la proposition"), TEXT_MAX),
        lever=lever,
        created_at=clock.now(),
    )
    _touch(group.jam, group)
    _event(acting, "jam.proposal_posted", proposal, group=group.pk)
    return proposal


@transaction.atomic
def comment(*, acting: Participant | None, proposal: Proposal, text: str) -> Comment:
    group = _locked_group(proposal.group)
    require(selectors.can_comment(acting, group))
    assert acting is not None
    made = Comment.objects.create(
        proposal=proposal,
        author=acting,
        text=_clean_text(text, _("Le commentaire"), COMMENT_MAX),
        created_at=clock.now(),
    )
    _touch(group.jam, group)
    _event(acting, "jam.commented", proposal, comment=made.pk)
    return made


@transaction.atomic
def vote(*, acting: Participant | None, proposal: Proposal) -> Vote | None:
    """One dot on a proposal; the dots left are counted under a lock on the voter's row, and a
    second identical vote (a double click, a retry) is the same dot, counted once."""
    group = _locked_group(proposal.group)
    require(selectors.can_vote(acting, group))
    assert acting is not None
    # The voter's row, locked: their votes are counted and cast one at a time, so the dots
    # cannot be overspent and the same dot cannot be inserted twice.
    voter = Participant.objects.select_for_update(of=("self",)).get(pk=acting.pk)
    used = Vote.objects.filter(participant=voter).aggregate(
        all=Count("pk"), here=Count("pk", filter=Q(proposal=proposal))
    )
    if used["here"]:
        return None
    if group.jam.dots - used["all"] <= 0:
        raise JamError(
            _("Vous avez déjà utilisé vos %(n)s gommettes : retirez-en une pour voter ici.")
            % {"n": group.jam.dots}
        )
    if proposal.merged_into_id is not None:
        raise JamError(
            _("Cette proposition a été fusionnée : votez pour la proposition qui la regroupe.")
        )
    made = Vote.objects.create(participant=voter, proposal=proposal, cast_at=clock.now())
    _event(acting, "jam.voted", proposal)
    _touch(group.jam, screens=False)  # last: the jam's row is locked from here to the commit
    return made


@transaction.atomic
def unvote(*, acting: Participant | None, proposal: Proposal) -> int:
    group = _locked_group(proposal.group)
    require(selectors.can_vote(acting, group))
    deleted, _detail = Vote.objects.filter(participant=acting, proposal=proposal).delete()
    if deleted:
        _touch(group.jam, screens=False)  # counts stay hidden until the vote closes
        _event(acting, "jam.unvoted", proposal)
    return deleted


@transaction.atomic
def merge(
    *, acting: Participant | None, proposals: list[Proposal], title: str, text: str, lever: str
) -> Proposal:
    """Duplicates become one proposal; each source keeps its text and points to the merge."""
    if len(proposals) < 2:
        raise JamError(_("Choisissez au moins deux propositions à fusionner."))
    group = _locked_group(proposals[0].group)
    require(selectors.can_run(acting, group))
    assert acting is not None
    if any(p.group_id != group.pk or p.merged_into_id for p in proposals):
        raise JamError(_("On ne fusionne que des propositions actives d'un même groupe."))
    merged = Proposal.objects.create(
        jam=group.jam,
        group=group,
        author=acting,
        title=_clean_text(title, _("Le titre"), TITLE_MAX),
        text=_clean_text(text, _("Le texte de la proposition"), TEXT_MAX),
        lever=lever if lever in Lever.values else proposals[0].lever,
        created_at=clock.now(),
        sources=[
            {"proposal": p.pk, "title": p.title, "author": p.author.full_name} for p in proposals
        ],
    )
    Proposal.objects.filter(pk__in=[p.pk for p in proposals]).update(merged_into=merged)
    # The dots follow the ideas: each voter keeps one dot on the merged proposal.
    voters = set(
        Vote.objects.filter(proposal__in=proposals).values_list("participant_id", flat=True)
    )
    Vote.objects.filter(proposal__in=proposals).delete()
    now = clock.now()
    Vote.objects.bulk_create(Vote(proposal=merged, participant_id=v, cast_at=now) for v in voters)
    _touch(group.jam, group)
    _event(acting, "jam.merged", merged, sources=[p.pk for p in proposals])
    return merged


@transaction.atomic
def split(
    *, acting: Participant | None, proposal: Proposal, parts: list[tuple[str, str]]
) -> list[Proposal]:
    """A mixed proposal becomes several; each part records the text it came from."""
    group = _locked_group(proposal.group)
    require(selectors.can_run(acting, group))
    if len(parts) < 2:
        raise JamError(_("Découpez la proposition en au moins deux parties."))
    now = clock.now()
    made = [
        Proposal.objects.create(
            jam=group.jam,
            group=group,
            author=proposal.author,
            title=_clean_text(title, _("Le titre"), TITLE_MAX),
            text=_clean_text(text, _("Le texte de la proposition"), TEXT_MAX),
            lever=proposal.lever,
            created_at=now,
            sources=[{"proposal": proposal.pk, "title": proposal.title, "split": True}],
        )
        for title, text in parts
    ]
    Proposal.objects.filter(pk=proposal.pk).update(merged_into=made[0])
    _touch(group.jam, group)
    _event(acting, "jam.split", proposal, parts=[p.pk for p in made])
    return made


# Working groups -----------------------------------------------------------------------------


class GroupsRefused(JamError):
    """The rules cannot all hold; reasons holds each rule's sentence."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


def _seat(jam: Jam, people: list[Participant], split: Any) -> None:
    seat = {pid: group for group, ids in split.groups.items() for pid in ids}
    for person in people:
        target = seat.get(person.pk)
        if person.group_id != target:
            person.group_id = target
            person.save(update_fields=["group"])
    _touch(jam)


@transaction.atomic
def form_groups(*, acting: Participant | None, jam: Jam, time_limit: float = 30.0) -> Any:
    """The optimal balanced split of the people present (pollen.domain.jam.groups)."""
    require(selectors.can_run(acting))
    jam = Jam.objects.select_for_update().get(pk=jam.pk)
    people = adapters.seatable(jam)
    formed = domain_groups.form_groups(adapters.roster_of(jam, people), time_limit=time_limit)
    if formed.split is None:
        raise GroupsRefused([r.message.translated(_) for r in formed.reasons])
    _seat(jam, people, formed.split)
    _event(
        acting,
        "jam.groups_formed",
        jam,
        pairs=formed.split.same_organisation_pairs,
        points=formed.split.preference_points,
        optimal=formed.split.optimal,
    )
    return formed.split


@transaction.atomic
def rebalance_groups(*, acting: Participant | None, jam: Jam, time_limit: float = 30.0) -> Any:
    """After no-shows and late arrivals: the rules again, moving as few seated people as possible."""
    require(selectors.can_run(acting))
    jam = Jam.objects.select_for_update().get(pk=jam.pk)
    people = adapters.seatable(jam)
    done = domain_groups.rebalance(
        adapters.roster_of(jam, people), adapters.seating_of(people), time_limit=time_limit
    )
    if done.split is None:
        raise GroupsRefused([r.message.translated(_) for r in done.reasons])
    _seat(jam, people, done.split)
    _event(
        acting,
        "jam.groups_rebalanced",
        jam,
        moves=[[m.participant, m.from_group, m.to_group] for m in done.moves],
    )
    return done


@transaction.atomic
def move_participant(
    *, acting: Participant | None, participant: Participant, group: WorkingGroup
) -> list[str]:
    """A facilitator's move by hand; the answer lists the rules the new split breaks."""
    require(selectors.can_run(acting, group))
    jam = participant.jam
    participant.group = group
    participant.save(update_fields=["group"])
    people = adapters.seatable(jam)
    roster = adapters.roster_of(jam, people)
    members: dict[Any, list[Any]] = {g.id: [] for g in roster.groups}
    for pid, gid in adapters.seating_of(people).items():
        members[gid].append(pid)
    check = domain_groups.check_split(roster, members)
    _touch(jam)
    _event(acting, "jam.participant_moved", participant, group=group.pk)
    return [r.message.translated(_) for r in check.breaks]


# Synthesis and decisions --------------------------------------------------------------------


@transaction.atomic
def write_synthesis(
    *,
    acting: Participant | None,
    group: WorkingGroup,
    finding: str,
    proposals: list[Proposal],
    lever: str,
    who_acts: str,
    means: str = "",
    indicator: str = "",
) -> Synthesis:
    """The group's rapporteur (or its facilitator, or the organiser) writes what the group retains."""
    require(selectors.can_write_synthesis(acting, group))
    assert acting is not None
    if lever not in Lever.values:
        raise JamError(_("Choisissez le levier que l'État pourrait actionner."))
    if any(p.group_id != group.pk for p in proposals):
        raise JamError(_("Une synthèse ne retient que des propositions de son groupe."))
    synthesis, _created = Synthesis.objects.update_or_create(
        group=group,
        defaults={
            "finding": _clean_text(finding, _("Le constat"), TEXT_MAX),
            "lever": lever,
            "who_acts": _clean_text(who_acts, _("« Qui doit agir »"), 300),
            "means": means.strip()[:TEXT_MAX],
            "indicator": indicator.strip()[:300],
            "written_by": acting,
            "updated_at": clock.now(),
        },
    )
    synthesis.proposals.set(proposals)
    _touch(group.jam, group)
    _event(acting, "jam.synthesis_written", group, proposals=[p.pk for p in proposals])
    return synthesis


@transaction.atomic
def decide(
    *,
    acting: Participant | None,
    proposal: Proposal,
    outcome: str,
    answer: str,
    call: Any = None,
) -> Proposal:
    """The decision-maker's public answer; a retained proposal may name the call it became."""
    require(selectors.can_decide(acting))
    if outcome not in Outcome.values:
        raise JamError(_("Choisissez : retenue, à l'étude ou non retenue."))
    if call is not None and outcome != Outcome.RETAINED:
        raise JamError(_("Seule une proposition retenue devient un appel à projets."))
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    before = {"outcome": proposal.outcome, "call": proposal.call_id}
    proposal.outcome = outcome
    proposal.answer = _clean_text(answer, _("La réponse publique"), TEXT_MAX)
    proposal.decided_at = clock.now()
    proposal.call = call
    proposal.save(update_fields=["outcome", "answer", "decided_at", "call"])
    _touch(proposal.jam, proposal.group)
    record_event(
        actor=_actor(acting),
        action="jam.decided",
        obj=proposal,
        before=before,
        after={
            "outcome": outcome,
            "call": proposal.call_id,
            "participant": acting.pk if acting else None,
        },
        note=proposal.answer,
    )
    return proposal


@transaction.atomic
def import_invitations(*, acting: Participant | None, jam: Jam, reading: Any) -> list[Participant]:
    """Register every row of a checked invitation list, or nobody when one row is wrong."""
    require(selectors.can_organise(acting))
    if not reading.valid:
        raise JamError(_("Le fichier a des erreurs : personne n'a été inscrit."))
    made = [register(jam=jam, **{k: v for k, v in row.values.items()}) for row in reading.rows]
    _event(acting, "jam.invitations_imported", jam, count=len(made))
    return made
