"""The PDF acknowledgement of receipt (accusé de réception) of a submission."""

import json

from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from pollen import clock
from pollen.applications.models import Submission
from pollen.domain.money import format_eur, parse_eur
from pollen.pdf import grid_table, render


def receipt_pdf(submission: Submission) -> bytes:
    snapshot = json.loads(submission.snapshot)
    application = submission.application
    styles = getSampleStyleSheet()
    mono = ParagraphStyle(
        "mono", parent=styles["Normal"], fontName="Courier", fontSize=8, leading=10
    )
    expenses = sum(
        (parse_eur(e["amount_eur"]) for e in snapshot["budget"]["expenses"]), parse_eur("0")
    )
    subsidy = sum(
        (
            parse_eur(r["amount_eur"])
            for r in snapshot["budget"]["resources"]
            if r["kind"] == "requested_subsidy"
        ),
        parse_eur("0"),
    )
    rows = [
        ["Numéro", submission.receipt_number],
        ["Déposée le", f"{clock.paris(submission.submitted_at)} (heure de Paris)"],
        [
            "Appel",
            f"{application.call.title} ({application.call.slug}, version {submission.call_version})",
        ],
        ["Porteur", f"{snapshot['applicant']['name']} — SIRET {snapshot['applicant']['siret']}"],
        ["Projet", snapshot["project"]["title"]],
        ["Coût total", format_eur(expenses)],
        ["Subvention demandée", format_eur(subsidy)],
        [
            "Pièces",
            ", ".join(f"{d['doc_type']} ({d['name']})" for d in snapshot["document_files"]) or "—",
        ],
    ]
    table = grid_table([[a, b] for a, b in rows], [45 * mm, 125 * mm])
    story = [
        Paragraph("Accusé de réception de candidature", styles["Title"]),
        Paragraph(f"{application.call.funder}", styles["Normal"]),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph("Empreinte SHA-256 du dossier déposé :", styles["Normal"]),
        Paragraph(submission.snapshot_sha256, mono),
        Spacer(1, 4 * mm),
        Paragraph(
            "Cette empreinte est calculée sur la copie exacte du dossier (formulaire, budget et empreinte de "
            "chaque pièce) figée au moment du dépôt. Toute modification ultérieure du dossier changerait "
            "l'empreinte : elle prouve ce qui a été déposé et quand.",
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
        Paragraph("Empreintes des pièces :", styles["Normal"]),
        *[Paragraph(f"{d['doc_type']} : {d['sha256']}", mono) for d in snapshot["document_files"]],
    ]
    return render(f"Accusé de réception {submission.receipt_number}", story)
