"""python manage.py send_mail_queue [--loop]: send the queued mails that are due."""

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pollen.mailing.services import pending_count, send_pending


class Command(BaseCommand):
    help = "Envoie les courriels en attente ; --loop continue jusqu'à l'arrêt (SIGTERM, Ctrl-C)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="Continuer jusqu'à l'arrêt.")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Attente quand rien n'est dû (s)."
        )
        parser.add_argument("--limit", type=int, default=200, help="Courriels par lot.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stopping = False
        signal.signal(signal.SIGTERM, self._stop)
        sent = failed = 0
        try:
            while not self.stopping:
                outcome = send_pending(limit=options["limit"])
                sent, failed = sent + outcome["sent"], failed + outcome["failed"]
                if not options["loop"] and outcome["sent"] + outcome["failed"] < options["limit"]:
                    break
                if outcome["sent"] + outcome["failed"] == 0:
                    time.sleep(options["interval"])
        except KeyboardInterrupt:
            pass
        self.stdout.write(
            f"{sent} courriel(s) envoyé(s), {failed} en échec (nouvel essai prévu), "
            f"{pending_count()} en attente."
        )

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
