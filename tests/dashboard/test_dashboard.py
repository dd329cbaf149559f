"""Each persona's dashboard leads to their own work, and to nobody else's."""

import pytest
from django.urls import reverse

EXPECTED = {
    "applicant": (
        {"Mes candidatures"},
        {"Instruction", "Comité de sélection", "Versements", "Mes évaluations"},
    ),
    "instructor": (
        {"Instruction — fablabs-2013", "Versements"},
        {"Mes évaluations", "Comité de sélection"},  # the committee's pages refuse instructors
    ),
    "expert": ({"Mes évaluations"}, {"Instruction", "Comité de sélection", "Versements"}),
    "committee": (
        {"Classement — fablabs-2013", "Comité de sélection"},
        {"Instruction", "Versements"},
    ),
    "finance": (
        {"Versements", "Enveloppe"},
        {"Instruction", "Comité de sélection", "Mes évaluations"},
    ),
    "manager": (
        {"Instruction — fablabs-2013", "Comité de sélection", "Versements", "Enveloppe"},
        set(),
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_sees_its_own_entry_points(client, personas, call_2013, name):
    client.force_login(personas[name])
    html = client.get(reverse("dashboard:index")).content.decode()
    shown, hidden = EXPECTED[name]
    for label in shown:
        assert label in html, label
    for label in hidden:
        assert label not in html, label


def test_the_dashboard_needs_a_login(client, db):
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
