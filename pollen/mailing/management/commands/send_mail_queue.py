"""python manage.py send_mail_queue: send, now, the queued mails that are due (one-shot).

Delivery is the tasks' job (`db_worker`, and `sweep_outbox` for lost tasks); this is for an
operator who wants the queue emptied at once, for instance after fixing the SMTP settings.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pollen.mailing.services import pending_count, send_pending


class Command(BaseCommand):
    help = "Envoie maintenant les courriels en attente qui sont dus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=200, help="Courriels par lot.")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = failed = 0
        while True:
            outcome = send_pending(limit=options["limit"])
            sent, failed = sent + outcome["sent"], failed + outcome["failed"]
            if outcome["sent"] + outcome["failed"] < options["limit"]:
                break
        self.stdout.write(
            f"{sent} courriel(s) envoyé(s), {failed} en échec (nouvel essai prévu), "
            f"{pending_count()} en attente."
        )
