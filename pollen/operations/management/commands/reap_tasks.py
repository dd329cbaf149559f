"""python manage.py reap_tasks: close the task rows a dead worker left RUNNING.

Run it with `sweep_outbox` (every minute or every few): the sweep enqueues again the mails,
webhooks and jobs such a task did not finish; this closes the task row itself.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pollen.operations.task_reaper import STALE_AFTER, reap_stale_tasks


class Command(BaseCommand):
    help = "Marque en échec les tâches « en cours » depuis trop longtemps (worker disparu)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--stale-minutes",
            type=float,
            default=STALE_AFTER.total_seconds() / 60,
            help="En cours depuis plus de tant de minutes : worker disparu (défaut : 30).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reaped = reap_stale_tasks(stale_after=dt.timedelta(minutes=options["stale_minutes"]))
        self.stdout.write(f"{reaped} tâche(s) abandonnée(s) par leur worker marquée(s) en échec.")
