"""The PDF acknowledgement of receipt (accusé de réception) of a submission."""

import json

from django.utils.translation import gettext as _
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from pollen import clock
from pollen.applications.models import Submission
from pollen.domain.apply.money import parse_eur
from pollen.formatting import for_pdf, format_amount
from pollen.pdf import grid_table, render


def receipt_pdf(submission: Submission) -> bytes:
    snapshot = json.loads(submission.snapshot)
    application = submission.application
    spec = application.call.spec
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
        [_("Numéro"), submission.receipt_number],
        [
            _("Déposée le"),
            _("%(when)s (heure de Paris)") % {"when": clock.paris(submission.submitted_at)},
        ],
        [
            _("Appel"),
            _("%(title)s (%(slug)s, version %(version)s)")
            % {
                "title": application.call.title,
                "slug": application.call.slug,
                "version": submission.call_version,
            },
        ],
        [
            _("Porteur"),
            _("%(name)s — SIRET %(siret)s")
            % {"name": snapshot["applicant"]["name"], "siret": snapshot["applicant"]["siret"]},
        ],
        [_("Projet"), snapshot["project"]["title"]],
        [_("Coût total"), for_pdf(format_amount(expenses))],
        [_("Subvention demandée"), for_pdf(format_amount(subsidy))],
        [
            _("Pièces"),
            ", ".join(
                f"{spec.document_label(d['doc_type'])} ({d['name']})"
                for d in snapshot["document_files"]
            )
            or "—",
        ],
    ]
    table = grid_table([[a, b] for a, b in rows], [45 * mm, 125 * mm])
    story = [
        Paragraph(_("Accusé de réception de candidature"), styles["Title"]),
        Paragraph(f"{application.call.funder}", styles["Normal"]),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph(_("Empreinte SHA-256 du dossier déposé :"), styles["Normal"]),
        Paragraph(submission.snapshot_sha256, mono),
        Spacer(1, 4 * mm),
        Paragraph(
            _(
                "Cette empreinte est calculée sur la copie exacte du dossier (formulaire, budget et "
                "empreinte de chaque pièce) figée au moment du dépôt. Toute modification ultérieure "
                "du dossier changerait l'empreinte : elle prouve ce qui a été déposé et quand."
            ),
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
        Paragraph(_("Empreintes des pièces :"), styles["Normal"]),
        *[
            Paragraph(f"{spec.document_label(d['doc_type'])} ({d['name']}) : {d['sha256']}", mono)
            for d in snapshot["document_files"]
        ],
    ]
    return render(
        _("Accusé de réception %(number)s") % {"number": submission.receipt_number}, story
    )
