"""python manage.py sweep_outbox: enqueue again the mails, webhooks and jobs whose task was lost.

A task is enqueued after the commit of the row it delivers; a process dying in between, or a
retry the backend could not schedule (the immediate backend), leaves a due row with no task; a
job whose runner died mid-work has an expired lease and runs again.
Run it every minute (cron or a systemd timer): at worst a row is delivered a minute late.
"""

from typing import Any

from django.core.management.base import BaseCommand

from pollen.api import webhooks
from pollen.jobs import services as jobs
from pollen.mailing import services as mailing


class Command(BaseCommand):
    help = "Remet en file les courriels et webhooks dus dont la tâche s'est perdue."

    def handle(self, *args: Any, **options: Any) -> None:
        mails, deliveries, works = mailing.sweep(), webhooks.sweep(), jobs.sweep()
        self.stdout.write(
            f"{mails} courriel(s), {deliveries} webhook(s) et {works} travail(s) remis en file."
        )
