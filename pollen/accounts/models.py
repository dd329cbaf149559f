"""People, their role on the platform, and the organisations (fablabs) applicants belong to."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Porteur de projet")
    INSTRUCTOR = "instructor", _("Instructeur")
    EXPERT = "expert", _("Expert")
    COMMITTEE = "committee", _("Membre du comité")
    MANAGER = "manager", _("Responsable de programme")
    FINANCE = "finance", _("Gestionnaire financier")
    ADMIN = "admin", _("Administrateur")


class Language(models.TextChoices):
    """The languages a person may read Pollen and its mails in; each named in itself."""

    FR = "fr", "Français"
    EN = "en", "English"


STAFF_ROLES = frozenset({Role.INSTRUCTOR, Role.MANAGER, Role.ADMIN})
# Who sits on the selection committee's pages (selection.can_sit); instructors prepare only.
COMMITTEE_ROLES = (Role.COMMITTEE, Role.MANAGER, Role.ADMIN)


def _active_language() -> str:
    code = (translation.get_language() or "")[:2]
    return code if code in Language.values else Language.FR


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def canonical_email(cls, email: str) -> str:
        """Addresses are stored lower-case, so every lookup by address must fold case the same way."""
        return cls.normalize_email(email.strip()).lower()

    def get_by_natural_key(self, username: str | None) -> "User":
        # Sign-in finds the account here: "Applicant@Test.example" is applicant@test.example.
        return self.get(email=self.canonical_email(username or ""))

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        # Signing up, accepting an invitation, a first ProConnect sign-in: in the page's language.
        extra.setdefault("language", _active_language())
        user = self.model(email=self.canonical_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("role", Role.ADMIN)
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class LegalForm(models.TextChoices):
    ASSOCIATION = "association", _("Association")
    SCIC = "scic", _("Société coopérative d'intérêt collectif (SCIC)")
    SCOP = "scop", _("Société coopérative (SCOP)")
    COMPANY = "company", _("Société commerciale (SAS, SARL…)")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")
    PUBLIC_BODY = "public_body", _("Établissement public")
    OTHER = "other", _("Autre")


class Machine(models.TextChoices):
    LASER_CUTTER = "laser_cutter", _("Découpeuse laser")
    PRINTER_3D = "3d_printer", _("Imprimante 3D")
    CNC_MILL = "cnc_mill", _("Fraiseuse numérique")
    VINYL_CUTTER = "vinyl_cutter", _("Découpeuse vinyle")
    EMBROIDERY = "embroidery", _("Brodeuse numérique")
    ELECTRONICS = "electronics", _("Atelier électronique")
    WOOD = "wood", _("Atelier bois")
    OTHER = "other", _("Autre")


class Organisation(models.Model):
    legal_name = models.CharField(_("raison sociale"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, db_index=True)
    legal_form = models.CharField(_("forme juridique"), max_length=32, choices=LegalForm.choices)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name=_("commune"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    website = models.URLField(_("site web"), blank=True)
    is_fablab = models.BooleanField(_("c'est un fablab"), default=True)
    machines = models.JSONField(_("machines"), default=list, blank=True)
    opening_hours = models.CharField(
        _("horaires d'ouverture"),
        max_length=255,
        blank=True,
        help_text=_("Format OpenStreetMap, ex. Mo-Fr 10:00-18:00"),
    )
    is_fictitious = models.BooleanField(default=False, help_text=_("Données de démonstration."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_name"]

    def __str__(self) -> str:
        return self.legal_name

    def machine_labels(self) -> list[str]:
        labels = dict(Machine.choices)
        return [str(labels.get(m, m)) for m in self.machines]


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    ACCEPTED = "accepted", _("Acceptée")
    REFUSED = "refused", _("Refusée")


class OrganisationChange(models.Model):
    """A change of legal name or SIRET asked by a beneficiary bound by a signed agreement."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="change_requests"
    )
    legal_name = models.CharField(_("raison sociale demandée"), max_length=200)
    siret = models.CharField(_("SIRET demandé"), max_length=14)
    previous_legal_name = models.CharField(max_length=200)
    previous_siret = models.CharField(max_length=14)
    status = models.CharField(
        max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("motif de la décision"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.previous_legal_name} → {self.legal_name}"


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("adresse électronique"), unique=True)
    full_name = models.CharField(_("nom complet"), max_length=150, blank=True)
    role = models.CharField(_("rôle"), max_length=16, choices=Role.choices, default=Role.APPLICANT)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # The programmes a staff member works for (docs/decisions/0011-programme-scoped-staff.md);
    # administrators are platform-wide and need none, applicants none either.
    programmes = models.ManyToManyField(
        "calls.Programme",
        verbose_name=_("programmes"),
        blank=True,
        related_name="staff",
        help_text=_("L'équipe de ces programmes : ce compte ne voit rien des autres."),
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Set when the person proved they read this address (the sign-up's link, an invitation's);
    # a confirmation link works only while it is empty, so a second use does nothing.
    email_confirmed_at = models.DateTimeField(_("adresse confirmée le"), null=True, blank=True)
    # The language the person last chose on the site (the language switch, kept by
    # RememberLanguageMiddleware): their mails are written in it.
    language = models.CharField(
        _("langue"), max_length=2, choices=Language.choices, default=Language.FR
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def clean(self) -> None:
        super().clean()
        # The admin's forms create accounts without the manager: the address is stored the same way.
        self.email = UserManager.canonical_email(self.email)

    def has_role(self, *roles: str) -> bool:
        return self.is_active and (
            self.role in roles or (self.is_superuser and Role.ADMIN in roles)
        )

    @property
    def is_programme_staff(self) -> bool:
        return self.is_active and (self.role in STAFF_ROLES or self.is_superuser)


# The roles a programme's manager may invite into their programme (the others: an administrator).
INVITABLE_ROLES = (Role.INSTRUCTOR, Role.EXPERT, Role.COMMITTEE)


class Invitation(models.Model):
    """A manager asks someone, by mail, to join their programme's team in one role."""

    programme = models.ForeignKey(
        "calls.Programme", on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("adresse électronique"))
    role = models.CharField(
        _("rôle"), max_length=16, choices=[(r.value, r.label) for r in INVITABLE_ROLES]
    )
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"


class Session(AbstractBaseSession):
    """A session and whose it is: a signed-in request reads both in one query (sessions.py).

    Deleting an account deletes its sessions, so nobody stays signed in as a removed user.
    """

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="sessions"
    )

    @classmethod
    def get_session_store_class(cls) -> Any:
        from pollen.accounts.sessions import SessionStore

        return SessionStore


class AuthedRequest(HttpRequest):
    """A request behind login_required: its user is one of ours (for typing views)."""

    user: User
    htmx: Any
