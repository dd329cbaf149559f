"""The grant agreement (convention de subvention) as a PDF, with its payment schedule."""

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from pollen.formatting import for_pdf, format_cents, format_percent
from pollen.grants.models import Grant
from pollen.pdf import grid_table, render

# The call file's payment triggers (call.schema.json), as the agreement names them.
TRIGGERS = {
    "signature": "À la signature",
    "progress_report": "Sur rapport d'étape",
    "final_report": "Sur rapport final",
}


def _eur(cents: int) -> str:
    return for_pdf(format_cents(cents, language="fr"))


def agreement_pdf(grant: Grant) -> bytes:
    application = grant.application
    call = grant.call
    styles = getSampleStyleSheet()
    rows = [
        ["Référence de la décision", grant.reference],
        ["Financeur", f"{call.funder} — SIRET {call.spec.funder_siret or 'non renseigné'}"],
        ["Appel", f"{call.title} ({call.slug}, version {call.version})"],
        ["Bénéficiaire", f"{grant.beneficiary_name} — SIRET {grant.beneficiary_siret}"],
        ["Objet", application.title],
        ["Subvention demandée", _eur(grant.requested_cents)],
        ["Subvention attribuée", _eur(grant.awarded_cents)],
        ["Décision du", grant.decided_on.strftime("%d/%m/%Y")],
        [
            "Période d'exécution",
            f"du {grant.starts_on:%d/%m/%Y} au {grant.ends_on:%d/%m/%Y}",
        ],
        [
            "Signature",
            f"le {grant.signed_on:%d/%m/%Y} par {grant.signatory}"
            if grant.signed_on
            else "à signer",
        ],
    ]
    schedule = [["Tranche", "Part", "Montant", "Condition", "Échéance prévue"]] + [
        [
            p.label,
            for_pdf(format_percent(p.share, language="fr")),
            _eur(p.amount_cents),
            TRIGGERS.get(p.trigger, p.trigger),
            p.due_on.strftime("%d/%m/%Y"),
        ]
        for p in grant.payments.order_by("position")
    ]
    story = [
        Paragraph("Convention de subvention", styles["Title"]),
        Paragraph(call.funder, styles["Normal"]),
        Spacer(1, 6 * mm),
        grid_table(rows, [50 * mm, 120 * mm]),
        Spacer(1, 6 * mm),
        Paragraph("Échéancier des versements", styles["Heading2"]),
        grid_table(schedule, [50 * mm, 18 * mm, 32 * mm, 35 * mm, 35 * mm]),
        Spacer(1, 6 * mm),
        Paragraph(
            "Le bénéficiaire s'engage à réaliser le projet décrit dans sa candidature, à déposer un "
            "rapport final présentant les dépenses réellement engagées et les cofinancements "
            "obtenus, et à reverser toute somme perçue au-delà de la subvention retenue. La "
            "subvention est recalculée sur les dépenses réelles selon les règles de l'appel.",
            styles["Normal"],
        ),
    ]
    return render(f"Convention de subvention {grant.reference}", story)
