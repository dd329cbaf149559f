"""A jam: its agenda, working groups, the people registered (with their role in it), and what
they write: proposals, comments, dot votes, each group's synthesis, the decision-maker's answers.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Jam(models.Model):
    slug = models.SlugField(_("identifiant"), max_length=80, unique=True)
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("présentation"), blank=True)
    starts_at = models.DateTimeField(_("début"))
    place = models.CharField(_("lieu"), max_length=200)
    capacity = models.PositiveIntegerField(_("nombre de places"))
    dots = models.PositiveSmallIntegerField(_("gommettes par participant"), default=5)
    room_code = models.CharField(_("code de la salle"), max_length=12, unique=True)
    consent_text = models.TextField(_("texte de consentement"))
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organisateur"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Raised by every write in the jam, in the writing transaction: the plenary screen's mark.
    revision = models.BigIntegerField(default=0)
    # Raised by what every group's screen shows (agenda, broadcast, openings for all, seats):
    # a group's screen refreshes for this or for its own group's revision, nothing else.
    stage_revision = models.BigIntegerField(default=0)
    broadcast = models.CharField(_("message à toutes les salles"), max_length=300, blank=True)
    is_fictitious = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("jam")

    def __str__(self) -> str:
        return self.title


class PhaseKind(models.TextChoices):
    WELCOME = "welcome", _("Accueil")
    IDEAS = "ideas", _("Idées")
    GROUPING = "grouping", _("Regroupement")
    VOTE = "vote", _("Vote")
    SYNTHESIS = "synthesis", _("Synthèse")
    PLENARY = "plenary", _("Plénière")
    OTHER = "other", _("Autre")


class PhaseState(models.TextChoices):
    PENDING = "pending", _("À venir")
    RUNNING = "running", _("En cours")
    PAUSED = "paused", _("En pause")
    DONE = "done", _("Terminée")


class Phase(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="phases")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("nom"), max_length=120)
    kind = models.CharField(_("nature"), max_length=16, choices=PhaseKind.choices)
    minutes = models.PositiveSmallIntegerField(_("durée (minutes)"))
    state = models.CharField(max_length=8, choices=PhaseState.choices, default=PhaseState.PENDING)
    # The server holds the end moment; screens only count down to it.
    ends_at = models.DateTimeField(null=True, blank=True)
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True)  # while paused

    class Meta:
        ordering = ["jam", "position"]
        constraints = [
            models.UniqueConstraint(fields=["jam", "position"], name="jam_phase_position_unique")
        ]

    def __str__(self) -> str:
        return self.name


class WorkingGroup(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="groups")
    position = models.PositiveSmallIntegerField()
    theme = models.CharField(_("thème"), max_length=200)
    writing_open = models.BooleanField(_("propositions ouvertes"), default=False)
    commenting_open = models.BooleanField(_("commentaires ouverts"), default=False)
    voting_open = models.BooleanField(_("vote ouvert"), default=False)
    vote_closed = models.BooleanField(_("vote clos"), default=False)
    revision = models.BigIntegerField(default=0)  # raised by this group's own writes

    class Meta:
        ordering = ["jam", "position"]
        constraints = [
            models.UniqueConstraint(fields=["jam", "position"], name="jam_group_position_unique")
        ]

    def __str__(self) -> str:
        return self.theme


class Kind(models.TextChoices):
    """Who a participant is, for balanced groups and the report."""

    COMPANY = "entreprise", _("Entreprise")
    ASSOCIATION = "association", _("Association")
    ADMINISTRATION = "administration", _("Administration")
    CITIZEN = "citoyen", _("Citoyen")
    ELECTED = "elu", _("Élu")


class JamRole(models.TextChoices):
    ORGANISER = "organiser", _("Organisateur")
    FACILITATOR = "facilitator", _("Animateur")
    RAPPORTEUR = "rapporteur", _("Rapporteur")
    PARTICIPANT = "participant", _("Participant")
    DECISION_MAKER = "decision_maker", _("Décideur")


class Registration(models.TextChoices):
    CONFIRMED = "confirmed", _("Inscrit")
    WAITLISTED = "waitlisted", _("Liste d'attente")
    CANCELLED = "cancelled", _("Désinscrit")


class Participant(models.Model):
    """One person in one jam: their role there is theirs in this jam only."""

    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="participants")
    full_name = models.CharField(_("nom et prénom"), max_length=150)
    email = models.EmailField(_("adresse électronique"))
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    kind = models.CharField(_("vous êtes"), max_length=16, choices=Kind.choices)
    preferences = models.JSONField(_("thèmes préférés"), default=list, blank=True)
    role = models.CharField(
        _("rôle"), max_length=16, choices=JamRole.choices, default=JamRole.PARTICIPANT
    )
    registration = models.CharField(
        max_length=12, choices=Registration.choices, default=Registration.CONFIRMED
    )
    group = models.ForeignKey(
        WorkingGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    pinned = models.BooleanField(_("placé d'office"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Raised to revoke every personal link sent so far.
    link_version = models.PositiveIntegerField(default=1)
    consented_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField()
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["jam", "full_name"]
        constraints = [
            models.UniqueConstraint(fields=["jam", "email"], name="jam_participant_email_unique")
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_present(self) -> bool:
        return self.checked_in_at is not None


class Lever(models.TextChoices):
    REGULATION = "regulation", _("Réglementation")
    FUNDING = "funding", _("Financement")
    PROCUREMENT = "procurement", _("Commande publique")
    TRAINING = "training", _("Formation")
    COMMUNICATION = "communication", _("Communication")
    OTHER = "other", _("Autre")


class Outcome(models.TextChoices):
    RETAINED = "retained", _("Retenue")
    UNDER_STUDY = "under_study", _("À l'étude")
    NOT_RETAINED = "not_retained", _("Non retenue")


class Proposal(models.Model):
    jam = models.ForeignKey(Jam, on_delete=models.CASCADE, related_name="proposals")
    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="proposals")
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("titre"), max_length=200)
    text = models.TextField(_("proposition"))
    lever = models.CharField(_("levier de l'État"), max_length=16, choices=Lever.choices)
    created_at = models.DateTimeField()
    # A merged proposal lives on in the one it was merged into; sources says where texts came from.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    sources = models.JSONField(default=list, blank=True)
    outcome = models.CharField(
        _("décision"), max_length=16, choices=Outcome.choices, blank=True, default=""
    )
    answer = models.TextField(_("réponse publique"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    call = models.ForeignKey(
        "calls.Call",
        verbose_name=_("appel à projets issu de la proposition"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jam_proposals",
    )

    class Meta:
        ordering = ["jam", "group", "created_at", "id"]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("commentaire"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["proposal", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Vote(models.Model):
    """One dot on one proposal: a participant spends at most the jam's dots, one per proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="votes")
    cast_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "participant"], name="jam_vote_once_per_proposal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} → {self.proposal_id}"


class Synthesis(models.Model):
    group = models.OneToOneField(WorkingGroup, on_delete=models.CASCADE, related_name="synthesis")
    finding = models.TextField(_("constat"))
    proposals = models.ManyToManyField(Proposal, related_name="syntheses", blank=True)
    lever = models.CharField(_("levier"), max_length=16, choices=Lever.choices)
    who_acts = models.CharField(_("qui doit agir"), max_length=300)
    means = models.TextField(_("moyens"), blank=True)
    indicator = models.CharField(_("indicateur de suivi"), max_length=300, blank=True)
    written_by = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.group)


ACTIVE = Q(merged_into__isnull=True)
