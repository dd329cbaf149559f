"""python manage.py apply_retention [--dry-run]: each call's retention periods, applied today."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import ProtectedError

from pollen import clock
from pollen.privacy import selectors, services


class Command(BaseCommand):
    help = (
        "Applique les durées de conservation de chaque appel : avertit puis supprime les "
        "brouillons abandonnés, anonymise les candidatures non retenues, efface les copies des "
        "courriels envoyés. --dry-run affiche le plan sans rien changer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Affiche ce qui serait fait, sans rien changer."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = clock.now()
        plan = selectors.retention_plan(now)
        dry = options["dry_run"]
        self.stdout.write(
            ("Plan de conservation au %s (rien n'est modifié)" if dry else "Conservation au %s")
            % clock.paris(now)
        )
        for notice in plan.warn:
            self._line(
                "avertir",
                notice.application,
                f"suppression après le {clock.paris(notice.deletion_after)}",
            )
        for application in plan.delete:
            self._line("supprimer le brouillon", application, "pièces comprises")
        for application in plan.anonymise:
            self._line("anonymiser", application, "non retenue")
        self.stdout.write(
            f"{len(plan.warn)} avertissement(s), {len(plan.delete)} brouillon(s) à supprimer, "
            f"{len(plan.anonymise)} candidature(s) à anonymiser, "
            f"{plan.sent_mails} copie(s) de courriel envoyé à effacer."
        )
        if dry:
            return
        counts = self._apply(plan)
        run = services.record_run(acting_user=None, counts=counts)
        self.stdout.write(
            f"Fait : {counts['warned']} avertissement(s), {counts['drafts_deleted']} brouillon(s) "
            f"supprimé(s), {counts['anonymised']} anonymisation(s), "
            f"{run.counts['sent_mails_deleted']} copie(s) de courriel effacée(s)."
        )

    def _line(self, action: str, application: Any, detail: str) -> None:
        # Ids and call only: the command's output ends up in logs, which hold no personal data.
        self.stdout.write(
            f"  {action} : candidature {application.pk} ({application.call.slug}) — {detail}"
        )

    def _apply(self, plan: selectors.RetentionPlan) -> dict[str, int]:
        counts = {"warned": 0, "drafts_deleted": 0, "drafts_kept": 0, "anonymised": 0}
        for notice in plan.warn:
            warned = services.warn_draft_owner(
                acting_user=None,
                application=notice.application,
                deletion_after=notice.deletion_after,
            )
            counts["warned"] += warned is not None
        for application in plan.delete:
            try:
                deleted = services.delete_draft(acting_user=None, application=application)
            except ProtectedError:
                deleted = False
            if deleted:
                counts["drafts_deleted"] += 1
            else:
                counts["drafts_kept"] += 1
                self.stdout.write(
                    f"  gardé : candidature {application.pk} (modifiée ou référencée)"
                )
        for application in plan.anonymise:
            services.anonymise_application(acting_user=None, application=application)
            counts["anonymised"] += 1
        return counts
