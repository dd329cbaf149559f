"""python manage.py sweep_outbox: enqueue again the mails and webhooks whose task was lost.

A task is enqueued after the commit of the row it delivers; a process dying in between, or a
retry the backend could not schedule (the immediate backend), leaves a due row with no task.
Run it every minute (cron or a systemd timer): at worst a row is delivered a minute late.
"""

from typing import Any

from django.core.management.base import BaseCommand

from pollen.api import webhooks
from pollen.mailing import services as mailing


class Command(BaseCommand):
    help = "Remet en file les courriels et webhooks dus dont la tâche s'est perdue."

    def handle(self, *args: Any, **options: Any) -> None:
        mails, deliveries = mailing.sweep(), webhooks.sweep()
        self.stdout.write(f"{mails} courriel(s) et {deliveries} webhook(s) remis en file d'envoi.")
