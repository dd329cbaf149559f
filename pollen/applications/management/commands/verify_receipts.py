"""python manage.py verify_receipts: every receipt re-checked against its snapshot and its documents."""

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from pollen.applications.models import Application, Document, Submission
from pollen.audit.models import AuditEvent
from pollen.domain.apply.receipts import sha256_hex
from pollen.storage import StorageUnavailable, sha256_of


def _file_sha256(document: Document) -> str | None:
    """Read back through the storage, wherever it is (folder or bucket); None when absent.

    A storage that does not answer raises StorageUnavailable: that is no receipt's fault.
    """
    if not document.file.name:
        return None
    try:
        return sha256_of(document.file.storage, document.file.name)
    except (FileNotFoundError, ValueError):
        return None


def problems_of(submission: Submission, documents: dict[int, Document]) -> list[str]:
    problems = []
    if sha256_hex(submission.snapshot) != submission.snapshot_sha256:
        problems.append("la copie figée ne correspond plus à son empreinte")
    try:
        snapshot = json.loads(submission.snapshot)
    except json.JSONDecodeError:
        return [*problems, "la copie figée n'est plus un JSON lisible"]
    for entry in snapshot.get("document_files", []):
        document = documents.get(entry["id"])
        if document is None:
            problems.append(f"pièce {entry['id']} ({entry['name']}) introuvable en base")
            continue
        actual = _file_sha256(document)
        if actual is None:
            problems.append(f"fichier de la pièce {entry['id']} ({entry['name']}) introuvable")
        elif actual != entry["sha256"]:
            problems.append(f"le fichier de la pièce {entry['id']} ({entry['name']}) a changé")
    return problems


def _anonymised(application_id: int) -> bool:
    return AuditEvent.objects.filter(
        action="retention.application_anonymised",
        object_type=Application._meta.label_lower,
        object_id=str(application_id),
    ).exists()


class Command(BaseCommand):
    help = "Revérifie chaque accusé de réception contre sa copie figée et les fichiers des pièces."

    def handle(self, *args: Any, **options: Any) -> None:
        checked = failed = anonymised = 0
        # One documents query per chunk of 500 submissions, not one per submission.
        submissions = (
            Submission.objects.order_by("pk")
            .prefetch_related("application__documents")
            .iterator(chunk_size=500)
        )
        for submission in submissions:
            if not submission.snapshot and _anonymised(submission.application_id):
                # Anonymised by retention (pollen/privacy): the frozen copy held personal data and
                # is gone; the number and the SHA-256 remain for whoever holds a copy. The audit
                # trail (append-only, chained) is what vouches for the anonymisation.
                anonymised += 1
                continue
            documents = {d.pk: d for d in submission.application.documents.all()}
            try:
                problems = problems_of(submission, documents)
            except StorageUnavailable as exc:
                raise CommandError(
                    f"Le stockage des pièces ne répond pas ({exc}) : vérification interrompue "
                    f"à {submission.receipt_number}."
                ) from exc
            checked += 1
            if problems:
                failed += 1
                self.stdout.write(f"ÉCART {submission.receipt_number} : " + " ; ".join(problems))
        self.stdout.write(f"{checked} accusé(s) de réception vérifié(s), {failed} écart(s).")
        if anonymised:
            self.stdout.write(
                f"{anonymised} accusé(s) d'une candidature anonymisée, sans copie figée."
            )
        if failed:
            sys.exit(1)
