"""The organiser imports an invitation list: every row reported, nothing half-imported."""

import io

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pollen.jam.models import Participant

GOOD = (
    "nom;email;organisation;type;themes\n"
    "Alice Martin;alice@example.org;OuiShare;association;Fablabs partout\n"
    "Bruno Petit;BRUNO@example.org;;citoyen;\n"
    "Chloé Roux;chloe@example.org;Mairie;élu;Financement participatif|Fablabs partout\n"
)


def _send(room, name, content):
    browser = room.enter(Client(), room.organiser)
    upload = SimpleUploadedFile(name, content)
    return browser.post("/jams/bercy/console/invitations/", {"fichier": upload})


def test_a_clean_list_registers_everyone_with_their_link(room):
    before = Participant.objects.count()
    response = _send(room, "invites.csv", GOOD.encode())
    assert response.status_code == 302
    assert Participant.objects.count() == before + 3
    chloe = Participant.objects.get(email="chloe@example.org")
    assert chloe.kind == "elu" and chloe.preferences == [room.groups[1].pk, room.groups[0].pk]
    assert Participant.objects.filter(email="bruno@example.org").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("nom;email\nA;a@example.org\n", "Colonnes manquantes : organisation, type"),
        (
            "nom,email,organisation,type\nA,a@example.org,X,association\nB,A@example.org,Y,citoyen\n",
            "figure déjà ligne 2",
        ),
        ("nom;email;organisation;type\nA;a@example.org;X;martien\n", "type inconnu « martien »"),
        ("nom;email;organisation;type\n;pas-une-adresse;X;citoyen\n", "n&#x27;est pas valable"),
        (
            "nom;email;organisation;type;themes\nA;a@example.org;X;citoyen;Cuisine\n",
            "thème inconnu : cuisine",
        ),
    ],
)
def test_a_wrong_row_is_reported_and_nobody_is_registered(room, content, expected):
    before = Participant.objects.count()
    response = _send(
        room,
        "invites.csv",
        (GOOD + content.split("\n", 1)[1]).encode()
        if content.startswith("nom;email;organisation;type") and "themes" not in content
        else content.encode(),
    )
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert Participant.objects.count() == before


def test_an_xlsx_list_is_read_like_a_csv(room):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate(
        [
            ["nom", "email", "organisation", "type"],
            ["Dan", "dan@example.org", "DGE", "administration"],
        ]
    ):
        sheet.write_row(r, 0, row)
    book.close()
    assert _send(room, "invites.xlsx", buffer.getvalue()).status_code == 302
    assert Participant.objects.get(email="dan@example.org").kind == "administration"


def test_only_the_organiser_imports(room):
    browser = room.enter(Client(), room.facilitator)
    upload = SimpleUploadedFile("invites.csv", GOOD.encode())
    assert browser.post("/jams/bercy/console/invitations/", {"fichier": upload}).status_code == 403
