"""The demo loads on a small territory, gives one login per role, and can be run twice."""

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollen.accounts.models import Role, User
from pollen.applications.models import Application, Status, Submission
from pollen.calls.models import Call
from pollen.demo.personas import (
    ALL_PERSONAS,
    DEMO_PASSWORD,
    PERSONAS,
    PROGRAMME_BRETAGNE,
    programme_of,
)
from tests.conftest import ROOT


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_every_role_and_applications_in_several_states(territory, capsys, settings):
    settings.DEBUG = True  # a development or demonstration instance (tests run with DEBUG off)
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
    # Two programmes, each with its own team, every staff persona with the demo's second factor.
    for email, _name, role in ALL_PERSONAS:
        user = User.objects.get(email=email)
        assert email in out and user.check_password(DEMO_PASSWORD)
        slugs = set(user.programmes.values_list("slug", flat=True))
        assert slugs == ({slug} if (slug := programme_of(email, role)) else set())
        assert TOTPDevice.objects.filter(user=user, confirmed=True).exists() == (
            role != Role.APPLICANT
        )
    bretagne = {e for e, _n, _r in ALL_PERSONAS if programme_of(e, _r) == PROGRAMME_BRETAGNE}
    assert len(bretagne) == 4

    call_command("load_demo")  # idempotent
    assert "déjà présentes" in capsys.readouterr().out
    assert Application.objects.count() == 40


def test_production_refuses_the_demo_and_creates_nothing(territory, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError) as refused:
        call_command("load_demo")
    assert "ne se chargent pas en production (POLLEN_DEBUG=0)" in str(refused.value)
    assert not User.objects.exists() and not Call.objects.exists()
    assert not Application.objects.exists()


def test_the_refusal_is_a_failing_exit_code_for_scripts(tmp_path):
    """As run from a deployment script: POLLEN_DEBUG=0, a non-zero exit and the reason in French."""
    env = {
        **os.environ,
        "POLLEN_DEBUG": "0",
        "SECRET_KEY": "a-secret-for-this-test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    run = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "load_demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode != 0
    assert "CommandError: Refusé : les données de démonstration" in run.stderr
