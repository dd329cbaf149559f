"""Fablabs and similar places: the public directory the coverage and the maps are drawn from."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    FABLAB = "fablab", _("Fablab")
    MAKERSPACE = "makerspace", _("Makerspace")
    HACKERSPACE = "hackerspace", _("Hackerspace")
    TIERS_LIEU = "tiers_lieu", _("Tiers-lieu")
    DIGITAL_SPACE = "digital_space", _("Lieu de médiation numérique")
    OTHER = "other", _("Autre lieu")


class PlaceStatus(models.TextChoices):
    ACTIVE = "active", _("En activité")
    PLANNED = "planned", _("En projet")
    CLOSED = "closed", _("Fermé définitivement")


class Place(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    # Accent-free, lower-case name for search (see territory.sources.search_key).
    search_name = models.CharField(max_length=200, db_index=True)
    kind = models.CharField(_("type de lieu"), max_length=16, choices=PlaceKind.choices)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True, db_index=True)
    commune = models.ForeignKey(
        "territory.Commune",
        verbose_name=_("commune"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # True when the point is the commune's, not the place's own.
    approximate = models.BooleanField(_("position approximative"), default=False)
    machines = models.JSONField(_("machines"), default=list, blank=True)
    # Machines named by a source that are not in accounts.Machine: kept, never lost.
    other_machines = models.JSONField(_("autres machines"), default=list, blank=True)
    services = models.JSONField(_("services"), default=list, blank=True)
    opening_hours = models.CharField(_("horaires d'ouverture"), max_length=500, blank=True)
    # False when the raw value could not be read; the text is kept and shown as is.
    opening_hours_parsed = models.BooleanField(default=True)
    opening_hours_error = models.CharField(max_length=300, blank=True)
    access_conditions = models.TextField(_("conditions d'accès"), blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    phone = models.CharField(_("téléphone"), max_length=40, blank=True)
    email = models.EmailField(_("courriel"), max_length=200, blank=True)
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=PlaceStatus.choices,
        default=PlaceStatus.ACTIVE,
        db_index=True,
    )
    verified_on = models.DateField(_("vérifié le"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=40, blank=True)
    source_id = models.CharField(_("identifiant dans la source"), max_length=100, blank=True)
    # The source's own word for the kind of place (e.g. "fablabMIT", "TIERS_LIEUX").
    source_kind = models.CharField(max_length=100, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("structure"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
    )
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("candidature financée"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
    )
    is_fictitious = models.BooleanField(default=False, help_text="Données de démonstration.")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["search_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source=""),
                name="place_unique_source_id",
            )
        ]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def has_point(self) -> bool:
        return self.latitude is not None and self.longitude is not None
