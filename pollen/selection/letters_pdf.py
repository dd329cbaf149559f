"""The committee's decision letter (PDF) to one applicant."""

from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer

from pollen import clock
from pollen.domain.apply.money import format_eur
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


def letter_pdf(decision: Decision, signatory: str) -> bytes:
    """Works on an unsaved Decision whose run and application are set."""
    application, run = decision.application, decision.run
    call = run.call
    styles = getSampleStyleSheet()
    mono = ParagraphStyle("mono", parent=styles["Normal"], fontName="Courier", fontSize=8)
    rows = [
        ["Référence", decision.letter_number],
        ["Date", decision.decided_at.astimezone(clock.PARIS).strftime("%d/%m/%Y")],
        ["Appel", call.title],
        ["Porteur", application.organisation.legal_name],
        ["Projet", application.title],
        ["Subvention demandée", format_eur(decision.amount)],
        ["Décision", str(Outcome(decision.outcome).label)],
    ]
    table = grid_table([[a, b] for a, b in rows], [45 * mm, 125 * mm])
    opening = OPENINGS[Outcome(decision.outcome)].format(rank=decision.waitlist_rank)
    story = [
        Paragraph("Décision du comité de sélection", styles["Title"]),
        Paragraph(call.funder, styles["Normal"]),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 6 * mm),
        Paragraph("Madame, Monsieur,", styles["Normal"]),
        Spacer(1, 3 * mm),
        Paragraph(opening, styles["Normal"]),
        Spacer(1, 3 * mm),
        Paragraph(f"Motif : {decision.reason}", styles["Normal"]),
        Spacer(1, 6 * mm),
        Paragraph(
            "La sélection maximise, sous l'enveloppe de l'appel et le nombre de lauréats, la somme "
            "des notes des experts et la population nouvellement rapprochée d'un fablab. Le "
            "problème posé au solveur est conservé : son empreinte ci-dessous permet à chacun de "
            f"refaire le calcul ({run.solver} {run.solver_version}).",
            styles["Normal"],
        ),
        Paragraph(f"SHA-256 du problème : {run.problem_sha256}", mono),
        Spacer(1, 8 * mm),
        Paragraph(f"Pour le comité, {signatory}", styles["Normal"]),
    ]
    return render(f"Décision {decision.letter_number}", story)
