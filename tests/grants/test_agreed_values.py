"""What was agreed stays agreed: after signature, the beneficiary's name and SIRET are frozen."""

import datetime as dt

from pollen.accounts.models import OrganisationChange
from pollen.grants import services
from pollen.opendata.scdl import csv_chunks
from tests.grants.helpers import awarded_grant


def scdl_csv():
    return "".join(csv_chunks())


def _signed(call, personas):
    grant = awarded_grant(call, personas["applicant"], personas["manager"])
    return services.sign_agreement(
        acting_user=personas["manager"],
        grant=grant,
        signed_on=dt.date(2013, 11, 1),
        signatory="La présidente",
    )


def _profile(organisation, **changes):
    data = {
        "legal_name": organisation.legal_name,
        "siret": organisation.siret,
        "legal_form": organisation.legal_form,
        "address": "",
        "website": "",
        "is_fablab": True,
        "machines": [],
        "opening_hours": "",
        "commune": organisation.commune.pk,
    }
    return {**data, **changes}


def test_a_signed_beneficiary_asks_and_staff_decide(client, call_2013, personas):
    grant = _signed(call_2013, personas)
    organisation = grant.application.organisation
    client.force_login(personas["applicant"])
    page = client.post(
        "/espace/structure/",
        _profile(organisation, legal_name="Nouveau nom SAS", siret="35600000000048"),
        follow=True,
    )
    assert "est transmis à" in page.content.decode()
    organisation.refresh_from_db()
    assert organisation.legal_name == "Fablab de test"  # unchanged until staff accept
    change = OrganisationChange.objects.get()
    assert (change.legal_name, change.status) == ("Nouveau nom SAS", "pending")
    open_data = scdl_csv()
    assert "Fablab de test" in open_data and "Nouveau nom SAS" not in open_data

    client.force_login(personas["instructor"])
    client.post(
        "/espace/structures/demandes/",
        {"demande": change.pk, "decision": "accepter", "motif": "Kbis fourni"},
    )
    organisation.refresh_from_db()
    grant.refresh_from_db()
    assert organisation.legal_name == "Nouveau nom SAS"
    assert (grant.beneficiary_name, grant.beneficiary_siret) == ("Fablab de test", "73282932000074")
    assert "Nouveau nom SAS" not in scdl_csv()  # the signed agreement's values
    client.force_login(personas["applicant"])
    assert client.get("/espace/structures/demandes/").status_code == 403


def test_before_any_signature_the_profile_changes_at_once(client, call_2013, personas):
    grant = awarded_grant(call_2013, personas["applicant"], personas["manager"])
    organisation = grant.application.organisation
    client.force_login(personas["applicant"])
    client.post("/espace/structure/", _profile(organisation, legal_name="Autre nom"))
    organisation.refresh_from_db()
    assert organisation.legal_name == "Autre nom" and not OrganisationChange.objects.exists()
