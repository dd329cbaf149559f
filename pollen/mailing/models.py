"""Mail waiting to be sent: written in the same transaction as the change it announces."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutgoingMail(models.Model):
    recipient = models.EmailField(_("destinataire"))
    subject = models.CharField(_("objet"), max_length=255)
    body = models.TextField(_("texte"))
    # A link sent as a QR code image too (the jam's personal link, shown at the door).
    qr_link = models.URLField(_("lien en QR code"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créé le"))
    # When a sender may next try it: now when queued, later after a failure or while claimed.
    next_attempt_at = models.DateTimeField(_("prochain essai"))
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("courriel sortant")
        verbose_name_plural = _("courriels sortants")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(sent_at__isnull=True),
                name="mailing_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.recipient} — {self.subject}"
