"""The demo loads on a small territory, gives one login per role, and can be run twice."""

import pytest
from django.core.management import call_command

from pollen.accounts.models import Role, User
from pollen.applications.models import Application, Status, Submission
from pollen.demo.personas import DEMO_PASSWORD, PERSONAS


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_every_role_and_applications_in_several_states(territory, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    for email, _name, _role in PERSONAS:
        assert email in out
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    assert {u.role for u in User.objects.filter(email__in=[p[0] for p in PERSONAS])} == {
        r.value for r in Role
    }
    assert Application.objects.filter(call__slug="fablabs-2013").count() == 40
    assert Application.objects.filter(is_fictitious=True).count() == 40
    states = set(Application.objects.values_list("status", flat=True))
    assert {Status.DRAFT, Status.CORRECTIONS} <= states
    assert Submission.objects.count() >= 20
    assert (
        Application.objects.filter(eligible=False).exists()
        and Application.objects.filter(eligible=True).exists()
    )
    call_command("verify_receipts")  # exits 0: every demo receipt matches its files

    call_command("load_demo")  # idempotent
    assert "déjà présentes" in capsys.readouterr().out
    assert Application.objects.count() == 40
