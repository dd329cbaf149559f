"""The applicant's whole journey in a real browser: budget lines added and deleted, live verdicts,
documents, recap and sworn statement, submission, receipt."""

import re

import pytest
from playwright.sync_api import expect

from pollen.accounts.models import Role, User
from pollen.applications.models import Submission
from pollen.demo.personas import DEMO_PASSWORD
from pollen.mailing.models import OutgoingMail
from tests.browser.conftest import login
from tests.browser.test_accessibility import AXE, violations
from tests.builders import PDF, eligible_draft, organisation_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def applicant(call_2013, personas, settings):
    settings.CLOCK_START = "2013-09-13T10:00:00+02:00"  # the live server runs on closing day
    organisation_for(personas["applicant"])
    return personas["applicant"]


def verdict(page, rule):
    return page.locator(f'#verdicts li[data-rule="{rule}"]')


def spaced(text):
    """Figures' no-break spaces (narrow in thousands, before « € » and « % ») as plain ones."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def fill_line(page, prefix, index, values):
    for field, value in values.items():
        locator = page.locator(f"#id_{prefix}-{index}-{field}")
        if locator.evaluate("e => e.tagName") == "SELECT":
            locator.select_option(value)
        else:
            locator.fill(value)


def start_application(page, title):
    page.goto(f"{page.base}/appels/fablabs-2013/")
    page.get_by_role("link", name="Déposer une candidature").click()
    page.get_by_label("Titre du projet").fill(title)
    page.get_by_role("button", name="Créer le brouillon").click()
    page.wait_for_url("**/modifier/")


@pytest.fixture
def fresh_applicant(call_2013, settings, territory):
    """A new fablab's account, as sign-up leaves it once its structure is described."""
    settings.CLOCK_START = "2013-09-13T10:00:00+02:00"  # the live server runs on closing day
    user = User.objects.create_user(
        "nouveau-fablab@test.example",
        DEMO_PASSWORD,
        full_name="Nouveau fablab",
        role=Role.APPLICANT,
    )
    organisation_for(user, name="Le Nouveau Fablab")
    return user


def upload(page, doc, path):
    page.locator(f"#upload-{doc}").set_input_files(str(path))
    page.locator(f"#upload-{doc}").locator("xpath=ancestor::form").get_by_role(
        "button", name="Envoyer le fichier"
    ).click()


def test_a_new_fablab_applies_deletes_a_line_uploads_swears_submits_and_gets_its_receipt(
    page, fresh_applicant, tmp_path
):
    login(page, fresh_applicant.email, DEMO_PASSWORD)
    start_application(page, "Un fablab pour le quartier")

    fill_line(
        page,
        "expenses",
        0,
        {"label": "Découpeuse laser", "category": "equipment", "amount": "80 000"},
    )
    page.get_by_role("button", name="Ajouter une dépense").click()
    fill_line(
        page, "expenses", 1, {"label": "Animation", "category": "staff", "amount": "20000,00"}
    )
    page.get_by_role("button", name="Ajouter une dépense").click()
    fill_line(page, "expenses", 2, {"label": "Doublon", "category": "other", "amount": "5 000"})
    expect(page.locator("[data-figure=expenses]")).to_contain_text("105 000,00")
    # The line typed twice goes; the totals follow without a reload.
    page.locator("#id_expenses-2-label").locator("xpath=ancestor::tr").get_by_role(
        "button", name="Supprimer"
    ).click()
    expect(page.locator("#id_expenses-2-label")).to_be_hidden()
    expect(page.locator("[data-figure=expenses]")).to_contain_text("100 000,00")

    page.get_by_label("Subvention demandée (€)").fill("75 000")
    page.locator("#id_resources-0-label").fill("Région")
    fill_line(page, "resources", 0, {"kind": "public", "status": "acquired", "amount": "25000"})
    expect_share = verdict(page, "subsidy_share")
    expect(expect_share).to_have_attribute("data-passed", "false")
    assert "ne peut dépasser 70 000,00 €" in spaced(expect_share.inner_text())

    page.get_by_label("Subvention demandée (€)").fill("70 000")
    page.locator("#id_resources-0-amount").fill("30000")
    expect(verdict(page, "subsidy_share")).to_have_attribute("data-passed", "true")
    expect(verdict(page, "budget_balanced")).to_have_attribute("data-passed", "true")
    assert verdict(page, "documents_complete").get_attribute("data-passed") == "false"

    for doc in ("statuts", "rib", "budget_detail", "cofunding_letters"):
        path = tmp_path / f"{doc}.pdf"
        path.write_bytes(PDF + doc.encode())
        upload(page, doc, path)
        # Said at the field, which the page scrolled to and focused.
        result = page.locator(f"#upload-{doc}-result")
        expect(result).to_have_text(f"Pièce « {doc}.pdf » jointe.")
        expect(result).to_be_focused()
        expect(result).to_be_in_viewport()
    assert verdict(page, "documents_complete").get_attribute("data-passed") == "true"
    assert (
        "toutes les règles sont respectées"
        in page.locator("#eligibility-summary").inner_text().lower()
    )

    page.get_by_role("button", name="Vérifier et déposer").click()
    page.wait_for_url("**/recapitulatif/")
    expenses = page.locator("#recap-expenses").inner_text()
    assert "Découpeuse laser" in expenses and "Équipement et machines" in expenses
    assert "Doublon" not in expenses and "100 000,00" in expenses.replace("\u202f", " ")
    assert "Région" in page.locator("#recap-resources").inner_text()
    assert "rib.pdf" in page.locator("#recap-documents").inner_text()

    # Unsworn: refused at the checkbox, nothing submitted.
    page.get_by_role("button", name="Déposer ma candidature").click()
    sworn = page.get_by_label("Je certifie sur l'honneur l'exactitude des informations fournies.")
    expect(page.locator("#id_sworn-error")).to_contain_text("Cochez la déclaration")
    expect(sworn).to_be_focused()
    assert not Submission.objects.exists()

    page.locator("label[for=id_sworn]").click()  # DSFR draws the box on the label
    expect(sworn).to_be_checked()
    page.get_by_role("button", name="Déposer ma candidature").click()
    page.wait_for_url("**/recu/1/")
    submission = Submission.objects.get()
    assert page.locator("#receipt-hash").inner_text() == submission.snapshot_sha256
    expect(page.locator("#receipt-mailed")).to_have_text(
        "Une copie vous a été envoyée par courriel à nouveau-fablab@test.example."
    )
    assert OutgoingMail.objects.filter(
        recipient="nouveau-fablab@test.example", subject__contains=submission.receipt_number
    ).exists()
    with page.expect_download() as download:
        page.locator("#receipt-pdf").click()
    pdf = tmp_path / "receipt.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_refused_upload_says_why_at_its_field_which_takes_the_focus(page, applicant, tmp_path):
    login(page, applicant.email, DEMO_PASSWORD)
    start_application(page, "Un fablab")
    path = tmp_path / "statuts.exe"
    path.write_bytes(b"MZ\x90\x00 not a document")
    upload(page, "cofunding_letters", path)
    field = page.locator("#upload-cofunding_letters")
    expect(page.locator("#upload-cofunding_letters-error")).to_contain_text("refusé")
    expect(field).to_be_focused()
    expect(field).to_be_in_viewport()
    expect(field).to_have_attribute("aria-invalid", "true")


def test_without_javascript_a_line_is_deleted_and_the_recap_reached(
    browser, live_server, applicant
):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.base = live_server.url
    login(page, applicant.email, DEMO_PASSWORD)
    start_application(page, "Sans script")
    fill_line(page, "expenses", 0, {"label": "Machines", "category": "equipment", "amount": "9000"})
    page.get_by_role("button", name="Enregistrer le brouillon").first.click()
    page.wait_for_url("**/modifier/")
    expect(page.locator("[data-figure=expenses]")).to_contain_text("9 000,00")
    page.get_by_role("button", name="Supprimer la ligne Machines").click()
    page.wait_for_url("**/modifier/#depenses")
    expect(page.get_by_text("Ligne supprimée")).to_be_visible()
    expect(page.locator("[data-figure=expenses]")).not_to_contain_text("9")
    page.get_by_label("Titre du projet").fill("Titre gardé")
    page.get_by_role("button", name="Vérifier et déposer").click()
    # The browser keeps the last address's #depenses through the redirect.
    page.wait_for_url(lambda url: "/recapitulatif/" in url)
    assert "Titre gardé" in page.locator("#recap-project").inner_text()


@pytest.mark.parametrize("width", [1280, 375])
def test_amounts_and_labels_fit_their_inputs(browser, live_server, applicant, width):
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.base = live_server.url
    login(page, applicant.email, DEMO_PASSWORD)
    start_application(page, "Largeurs")
    fill_line(
        page,
        "expenses",
        0,
        {
            "label": "Découpeuse laser et aspiration",
            "category": "equipment",
            "amount": "199 999,99",
        },
    )
    page.locator("#id_resources-0-label").fill("Région Bretagne (FEDER)")
    page.locator("#id_resources-0-amount").fill("1 234 567,89")
    page.get_by_label("Subvention demandée (€)").fill("199 999,99")
    for selector in (
        "#id_expenses-0-label",
        "#id_expenses-0-amount",
        "#id_resources-0-label",
        "#id_resources-0-amount",
        "#id_subsidy",
    ):
        box = page.locator(selector)
        # The whole value is visible: nothing scrolled out of the field.
        widths = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert widths[0] <= widths[1], (width, selector, widths)
    if width >= 1280:  # on a computer the tables fit their column: no sideways scrolling
        for table in ("#expense-lines", "#resource-lines"):
            for scroller in (page.locator(table), page.locator(table).locator("xpath=..")):
                sizes = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
                assert sizes[0] <= sizes[1], (table, sizes)
            delete = page.locator(table).get_by_role("button", name=re.compile("^Supprimer"))
            expect(delete.first).to_be_in_viewport()


def test_a_failing_rule_blocks_the_submission(page, applicant):
    login(page, applicant.email, DEMO_PASSWORD)
    start_application(page, "Trop gourmand")
    fill_line(
        page, "expenses", 0, {"label": "Machines", "category": "equipment", "amount": "400000"}
    )
    page.get_by_label("Subvention demandée (€)").fill("230000")
    expect(verdict(page, "subsidy_max")).to_have_attribute("data-passed", "false")
    assert (
        "La subvention demandée (230 000,00 €) dépasse le plafond de 200 000,00 € fixé par l'appel."
        in spaced(verdict(page, "subsidy_max").inner_text())
    )
    page.get_by_role("button", name="Vérifier et déposer").click()
    page.wait_for_url("**/recapitulatif/")
    expect(page.locator("#recap-eligible")).to_contain_text("ne sont pas encore respectées")
    page.locator("label[for=id_sworn]").click()  # DSFR draws the box on the label
    page.get_by_role("button", name="Déposer ma candidature").click()
    page.wait_for_selector("text=Dépôt refusé")
    assert "dépasse le plafond" in page.content()
    assert not Submission.objects.exists()


def test_the_applicants_pages_have_no_serious_accessibility_violation(
    browser, live_server, applicant, call_2013
):
    """The edit page with a refused upload, the recap refused unsworn, the receipt: axe-core."""
    if not AXE.exists():
        pytest.skip("axe-core absent: make install puts it in .venv/node")
    draft = eligible_draft(call_2013, applicant)
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    page = context.new_page()
    page.base = live_server.url
    login(page, applicant.email, DEMO_PASSWORD)
    found = {}
    page.goto(f"{page.base}/candidatures/{draft.pk}/modifier/")
    page.locator("#upload-rib").set_input_files(
        files=[{"name": "rib.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90"}]
    )
    page.locator("#upload-rib").locator("xpath=ancestor::form").get_by_role(
        "button", name="Envoyer le fichier"
    ).click()
    expect(page.locator("#upload-rib-error")).to_be_visible()
    found["edit"] = violations(page)
    page.goto(f"{page.base}/candidatures/{draft.pk}/recapitulatif/")
    page.get_by_role("button", name="Déposer ma candidature").click()
    expect(page.locator("#id_sworn-error")).to_be_visible()
    found["recap"] = violations(page)
    page.locator("label[for=id_sworn]").click()
    page.get_by_role("button", name="Déposer ma candidature").click()
    page.wait_for_url("**/recu/1/")
    found["receipt"] = violations(page)
    assert found == {"edit": [], "recap": [], "receipt": []}
