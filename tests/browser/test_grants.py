"""After the decision, in a real browser: finance approves a tranche; anyone downloads the open data."""

import pytest

from pollen.demo.personas import DEMO_PASSWORD
from pollen.grants import services
from pollen.grants.models import PaymentStatus
from tests.browser.conftest import login
from tests.grants.helpers import DECIDED, awarded_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DASHBOARD = "/subventions/programmes/fablabs-economie-collaborative/"


@pytest.fixture
def requested_advance(call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    services.sign_agreement(
        acting_user=personas["instructor"], grant=grant, signed_on=DECIDED, signatory="C. Martin"
    )
    advance = grant.payments.get(position=0)
    services.approve_payment(acting_user=personas["manager"], payment=advance)
    return advance


def test_a_finance_officer_approves_a_tranche_requested_by_an_instructor_and_sees_the_envelope_move(
    page, personas, requested_advance
):
    assert requested_advance.requested_by == personas["instructor"]
    login(page, personas["finance"].email, DEMO_PASSWORD)
    page.goto(f"{page.base}{DASHBOARD}")
    assert page.locator('[data-figure="paid"]').first.inner_text() == "0,00\u00a0€"
    assert page.locator('[data-figure="committed"]').first.inner_text() == "70\u202f000,00\u00a0€"

    page.goto(f"{page.base}/subventions/versements/")
    page.locator(f'[data-action="approve-{requested_advance.pk}"]').click()
    page.wait_for_selector("text=Validé par les finances")
    page.get_by_label("Référence du virement").fill("VIR-2013-001")
    page.locator(f'[data-action="pay-{requested_advance.pk}"]').click()
    page.wait_for_selector("text=Versé.")

    page.goto(f"{page.base}{DASHBOARD}")
    assert page.locator('[data-figure="paid"]').first.inner_text() == "21\u202f000,00\u00a0€"
    assert (
        page.locator("#envelope-summary")
        .inner_text()
        .startswith("Engagé 70\u202f000,00\u00a0€, versé 21\u202f000,00\u00a0€")
    )
    requested_advance.refresh_from_db()
    assert requested_advance.status == PaymentStatus.PAID
    assert requested_advance.finance_approved_by == personas["finance"]


def test_anyone_downloads_the_scdl_file_from_the_open_data_page(page, requested_advance, tmp_path):
    page.goto(f"{page.base}/")
    page.get_by_role("link", name="Données ouvertes").first.click()
    page.wait_for_url("**/donnees-ouvertes/")
    assert "1 ligne" in page.locator("#dataset-scdl-subventions").inner_text()
    with page.expect_download() as download:
        page.locator("#download-scdl-subventions").click()
    path = tmp_path / "subventions.csv"
    download.value.save_as(path)
    header, row = path.read_text(encoding="utf-8").splitlines()
    assert header.startswith("nomAttribuant,idAttribuant,dateConvention")
    assert requested_advance.grant.reference in row and ",70000.00,aide en numéraire," in row
