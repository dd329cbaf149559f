"""The applicant's whole journey in a real browser: budget, live verdicts, documents, submission, receipt."""

import pytest
from playwright.sync_api import expect

from pollen.applications.models import Submission
from pollen.demo.personas import DEMO_PASSWORD
from tests.browser.conftest import login
from tests.builders import PDF, organisation_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def applicant(call_2013, personas, settings):
    settings.CLOCK_START = "2013-09-13T10:00:00+02:00"  # the live server runs on closing day
    organisation_for(personas["applicant"])
    return personas["applicant"]


def verdict(page, rule):
    return page.locator(f'#verdicts li[data-rule="{rule}"]')


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


def test_an_applicant_fills_watches_the_verdicts_uploads_submits_and_downloads_the_receipt(
    page, applicant, tmp_path
):
    login(page, applicant.email, DEMO_PASSWORD)
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
    page.get_by_label("Subvention demandée (€)").fill("75 000")
    page.locator("#id_resources-0-label").fill("Région")
    fill_line(page, "resources", 0, {"kind": "public", "status": "acquired", "amount": "25000"})
    expect_share = verdict(page, "subsidy_share")
    expect(page.locator("[data-figure=expenses]")).to_contain_text("100 000,00")
    assert expect_share.get_attribute("data-passed") == "false"
    assert "ne peut dépasser 70 000,00 €" in expect_share.inner_text()

    page.get_by_label("Subvention demandée (€)").fill("70 000")
    page.locator("#id_resources-0-amount").fill("30000")
    expect(verdict(page, "subsidy_share")).to_have_attribute("data-passed", "true")
    expect(verdict(page, "budget_balanced")).to_have_attribute("data-passed", "true")
    assert verdict(page, "documents_complete").get_attribute("data-passed") == "false"

    for doc in ("statuts", "rib", "budget_detail", "cofunding_letters"):
        path = tmp_path / f"{doc}.pdf"
        path.write_bytes(PDF + doc.encode())
        page.locator(f"#upload-{doc}").set_input_files(str(path))
        page.locator(f"#upload-{doc}").locator("xpath=ancestor::form").get_by_role(
            "button", name="Envoyer le fichier"
        ).click()
        page.wait_for_selector(f"text=Pièce « {doc}.pdf » jointe.")
    assert verdict(page, "documents_complete").get_attribute("data-passed") == "true"
    assert (
        "toutes les règles sont respectées"
        in page.locator("#eligibility-summary").inner_text().lower()
    )

    page.get_by_role("button", name="Déposer ma candidature").click()
    page.wait_for_url("**/recu/1/")
    submission = Submission.objects.get()
    assert page.locator("#receipt-hash").inner_text() == submission.snapshot_sha256
    with page.expect_download() as download:
        page.locator("#receipt-pdf").click()
    pdf = tmp_path / "receipt.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


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
        in verdict(page, "subsidy_max").inner_text()
    )
    page.get_by_role("button", name="Déposer ma candidature").click()
    page.wait_for_selector("text=Dépôt refusé")
    assert "dépasse le plafond" in page.content()
    assert not Submission.objects.exists()
