"""The committee's decision letter (PDF) to one applicant."""

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from pollen import clock
from pollen.formatting import for_pdf, format_amount
from pollen.pdf import grid_table, render
from pollen.selection.models import Decision, Outcome

OPENINGS = {
    Outcome.SELECTED: (
        "Nous avons le plaisir de vous informer que le comité de sélection a retenu votre projet. "
        "Les services du programme vous contacteront pour préparer la convention de financement."
    ),
    Outcome.WAITLISTED: (
        "Le comité de sélection a inscrit votre projet sur la liste d'attente, au rang {rank}. "
        "Si un projet retenu renonce à son financement, les projets de la liste d'attente seront "
        "sollicités dans cet ordre."
    ),
    Outcome.REJECTED: (
        "Nous avons le regret de vous informer que le comité de sélection n'a pas retenu votre "
        "projet pour cet appel."
    ),
}


# How the committee chose, in plain words: the solver and its figures are in the scenario's
# « Détails techniques », never in a letter.
HOW = (
    "Le comité a comparé les projets éligibles à partir des notes des experts, de l'enveloppe "
    "de l'appel, du nombre de lauréats prévu et de la population que chaque projet rapprocherait "
    "d'un fablab. Le calcul est conservé par le programme et peut vous être communiqué sur "
    "demande."
)
# Code des relations entre le public et l'administration, art. L. 411-2 and R. 421-1 du code
# de justice administrative: a decision says how, and within how long, it may be contested.
APPEAL = (
    "Si vous contestez cette décision, vous pouvez former un recours gracieux auprès de "
    "{funder} dans un délai de deux mois à compter de sa notification. Vous pouvez également "
    "former un recours contentieux devant le tribunal administratif compétent dans le même "
    "délai de deux mois, ou dans les deux mois suivant la réponse à votre recours gracieux (son "
    "silence pendant deux mois vaut rejet). Le tribunal administratif peut être saisi par "
    "l'application Télérecours citoyens, accessible sur le site www.telerecours.fr."
)


def letter_pdf(decision: Decision, signatory: str) -> bytes:
    """Works on an unsaved Decision whose run and application are set."""
    application, run = decision.application, decision.run
    call = run.call
    styles = getSampleStyleSheet()
    rows = [
        ["Référence", decision.letter_number],
        ["Date", decision.decided_at.astimezone(clock.PARIS).strftime("%d/%m/%Y")],
        ["Appel", call.title],
        ["Porteur", application.organisation.legal_name],
        ["Projet", application.title],
        ["Subvention demandée", for_pdf(format_amount(decision.amount, language="fr"))],
        ["Décision", str(Outcome(decision.outcome).label)],
    ]
    table = grid_table([[a, b] for a, b in rows], [45 * mm, 125 * mm])
    opening = OPENINGS[Outcome(decision.outcome)].format(rank=decision.waitlist_rank)
    story = [
        Paragraph("RÉPUBLIQUE FRANÇAISE", styles["Heading4"]),
        Paragraph(call.funder, styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph("Décision du comité de sélection", styles["Title"]),
        table,
        Spacer(1, 6 * mm),
        Paragraph("Madame, Monsieur,", styles["Normal"]),
        Spacer(1, 3 * mm),
        Paragraph(opening, styles["Normal"]),
        Spacer(1, 3 * mm),
        Paragraph(f"Motif : {decision.reason}", styles["Normal"]),
        Spacer(1, 3 * mm),
        Paragraph(HOW, styles["Normal"]),
        Spacer(1, 6 * mm),
        Paragraph(f"Pour le comité, {signatory}", styles["Normal"]),
        Spacer(1, 8 * mm),
        Paragraph("Voies et délais de recours", styles["Heading4"]),
        Paragraph(APPEAL.format(funder=call.funder), styles["Normal"]),
    ]
    return render(f"Décision {decision.letter_number}", story)
