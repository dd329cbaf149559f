"""python manage.py deliver_webhooks [--replay ID]: send, now, the webhook deliveries that are due.

Delivery is the tasks' job (`db_worker`, and `sweep_outbox` for lost tasks); this one-shot is
for an operator, and --replay queues an identical copy of a delivery (as the admin's action).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pollen.api.models import Delivery
from pollen.api.webhooks import deliver_pending, replay


class Command(BaseCommand):
    help = (
        "Envoie maintenant les webhooks en attente (dans l'ordre) ; --replay rejoue une livraison."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--replay", type=int, help="Identifiant de la livraison à rejouer.")
        parser.add_argument("--limit", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["replay"]:
            original = Delivery.objects.filter(pk=options["replay"]).first()
            if original is None:
                raise CommandError(f"Livraison {options['replay']} introuvable.")
            copy = replay(original)
            self.stdout.write(f"Livraison {original.pk} rejouée : nouvelle livraison {copy.pk}.")
        outcome = deliver_pending(limit=options["limit"])
        self.stdout.write(
            f"{outcome['sent']} envoyée(s), {outcome['failed']} en échec (reprise prévue)."
        )
