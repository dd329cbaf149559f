"""Programmes and their calls; a call keeps the exact text of the file it was loaded from."""

from functools import lru_cache

from django.db import models
from django.utils.translation import gettext_lazy as _

from pollen.domain.apply.calls import CallSpec, parse_call


class Programme(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("nom"), max_length=200)
    envelope = models.DecimalField(_("enveloppe (€)"), max_digits=14, decimal_places=2)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


@lru_cache(maxsize=64)
def _parsed(text: str) -> CallSpec:
    return parse_call(text)


class Call(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="calls")
    slug = models.SlugField(max_length=60, unique=True)
    version = models.CharField(max_length=20)
    title = models.CharField(_("titre"), max_length=200)
    funder = models.CharField(_("financeur"), max_length=300)
    opens_at = models.DateTimeField(_("ouverture"))
    closes_at = models.DateTimeField(_("clôture"))
    selection_on = models.DateField(_("sélection"), null=True, blank=True)
    target_awards = models.PositiveIntegerField(_("nombre de lauréats visé"))
    envelope = models.DecimalField(_("enveloppe (€)"), max_digits=14, decimal_places=2)
    source_path = models.CharField(max_length=300, blank=True)
    source_text = models.TextField()
    source_sha256 = models.CharField(max_length=64)
    is_published = models.BooleanField(default=True)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def spec(self) -> CallSpec:
        """The parsed call file (cached by its text)."""
        return _parsed(self.source_text)


class CallVersion(models.Model):
    """Every distinct version of a call file ever loaded, so a decision can be re-derived."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=20)
    source_text = models.TextField()
    source_sha256 = models.CharField(max_length=64)
    loaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["call", "version"], name="one_text_per_call_version")
        ]

    def __str__(self) -> str:
        return f"{self.call.slug} {self.version}"
