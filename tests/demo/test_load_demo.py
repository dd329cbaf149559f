"""The demo loads on a small territory, gives one login per role, and can be run twice."""

import os
import re
import subprocess
import sys

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollen.accounts.models import Organisation, Role, User
from pollen.applications.models import Application, Status, Submission
from pollen.calls.models import Call
from pollen.demo.management.commands.load_demo import DEMO_CLOCK_START
from pollen.demo.personas import (
    ALL_PERSONAS,
    DEMO_PASSWORD,
    PERSONAS,
    PROGRAMME_BRETAGNE,
    programme_of,
)
from pollen.expertise.models import ScoreSummary
from pollen.jam.demo import NEXT_SLUG
from pollen.jam.models import Jam
from pollen.selection.adapters import candidate_pool
from pollen.selection.models import Decision
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
    assert Application.objects.filter(call__slug="bretagne-tiers-lieux-2026").count() == 12
    assert Application.objects.filter(is_fictitious=True).count() == 52
    states = set(Application.objects.values_list("status", flat=True))
    assert {Status.DRAFT, Status.CORRECTIONS} <= states
    assert Submission.objects.count() >= 20
    assert (
        Application.objects.filter(eligible=False).exists()
        and Application.objects.filter(eligible=True).exists()
    )
    call_command("verify_receipts")  # exits 0: every demo receipt matches its files
    # It says what it is doing while it loads, and names the fablabs in correct French.
    for step in (
        "Chargement des appels… ",
        "Création des comptes et des candidatures fictives… 40",
    ):
        assert step in out
    assert "Comité de sélection (scénarios et décisions)…" in out
    names = list(
        Organisation.objects.filter(is_fictitious=True).values_list("legal_name", flat=True)
    )
    titles = list(Application.objects.values_list("title", flat=True))
    assert names and all(
        n.startswith(("Fablab de ", "Fablab d'", "Fablab du ", "Fablab des ")) for n in names
    )
    wrong = re.compile(r"\bde (Le |Les |[AEIOUYÉÈÊÎÔ])")
    assert not [text for text in names + titles if wrong.search(text)]
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

    # The clock and the data agree: nothing the demo shows lies after the demo's clock, but
    # what is ahead by design; the second call holds fresh, scored applications.
    late = dated_after_the_clock()
    assert not late, "\n".join(late)
    assert Jam.objects.get(slug=NEXT_SLUG).starts_at > DEMO_CLOCK_START  # the jam to come
    bretagne = Call.objects.get(slug="bretagne-tiers-lieux-2026")
    assert bretagne.opens_at < DEMO_CLOCK_START < bretagne.closes_at  # open on the demo's clock
    assert ScoreSummary.objects.filter(call=bretagne).count() >= 10
    assert len(candidate_pool(bretagne).entries) >= 10  # what its committee chooses from
    assert not Decision.objects.filter(run__call=bretagne).exists()  # its committee decides

    call_command("load_demo")  # idempotent
    assert "déjà présentes" in capsys.readouterr().out
    assert Application.objects.count() == 52


# What is ahead of the clock by design: calls' dates, the jam to come, dates due or planned.
AHEAD = {
    ("calls", "call"),
    ("calls", "callversion"),
    ("jam", "jam"),
    ("jam", "phase"),
    ("grants", "payment", "due_on"),
    ("grants", "grant", "ends_on"),
}


def dated_after_the_clock() -> list[str]:
    """Every date or moment of the demo's own rows that is later than the demo's clock."""
    late = []
    for model in apps.get_models():
        meta = model._meta
        if not model.__module__.startswith("pollen.") or (meta.app_label, meta.model_name) in AHEAD:
            continue
        for field in meta.concrete_fields:
            if (
                not isinstance(field, models.DateField)
                or (meta.app_label, meta.model_name, field.name) in AHEAD
            ):
                continue
            bound = (
                DEMO_CLOCK_START
                if isinstance(field, models.DateTimeField)
                else DEMO_CLOCK_START.date()
            )
            for pk, value in model.objects.filter(**{f"{field.name}__gt": bound}).values_list(
                "pk", field.name
            )[:3]:
                late.append(f"{meta.label}.{field.name} #{pk}: {value}")
    return late


def test_the_makefile_serves_the_demo_on_its_clock():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"POLLEN_CLOCK_START-{DEMO_CLOCK_START.isoformat()}" in makefile


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
