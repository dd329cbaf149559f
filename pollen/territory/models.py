"""Régions, départements and communes from the official reference data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Departement(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=100)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CommuneKind(models.TextChoices):
    COMMUNE = "commune-actuelle", _("Commune")
    ARRONDISSEMENT = "arrondissement-municipal", _("Arrondissement municipal")


class CommuneQuerySet(models.QuerySet["Commune"]):
    def actuelles(self) -> "CommuneQuerySet":
        """Communes actuelles only: Paris, Lyon and Marseille once, never with their arrondissements."""
        return self.filter(kind=CommuneKind.COMMUNE)


class Commune(models.Model):
    code = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=100)
    search_name = models.CharField(max_length=100, db_index=True)
    kind = models.CharField(max_length=32, choices=CommuneKind.choices, default=CommuneKind.COMMUNE)
    zone = models.CharField(max_length=8, blank=True)
    departement = models.ForeignKey(
        Departement, null=True, on_delete=models.PROTECT, related_name="communes"
    )
    region = models.ForeignKey(Region, null=True, on_delete=models.PROTECT, related_name="communes")
    # The commune an arrondissement municipal belongs to (75056 for 75101…75120).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="arrondissements"
    )
    population = models.PositiveIntegerField(default=0)
    latitude = models.FloatField(null=True)
    longitude = models.FloatField(null=True)
    postal_codes = models.CharField(max_length=200, blank=True, db_index=True)

    objects = CommuneQuerySet.as_manager()

    class Meta:
        ordering = ["name", "code"]

    def __str__(self) -> str:
        dep = self.departement_id or ""
        return f"{self.name} ({dep})" if dep else self.name

    @property
    def main_postal_code(self) -> str:
        return self.postal_codes.split(" ")[0] if self.postal_codes else ""


class TerritoryLoad(models.Model):
    """What was last loaded, by fingerprint of the source files, so a reload can be skipped."""

    fingerprint = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"{self.loaded_at:%Y-%m-%d %H:%M} {self.fingerprint[:12]}"
