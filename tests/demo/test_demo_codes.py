"""demo_codes prints the code of each demo staff persona, and only on a demo instance."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from pollen.accounts.models import Role, User
from pollen.demo.personas import DEMO_PASSWORD, demo_code, give_demo_device

pytestmark = pytest.mark.django_db


def test_it_prints_the_code_each_staff_persona_signs_in_with(settings):
    settings.DEBUG = True
    user = User.objects.create_user(
        "instructrice@pollen.example", DEMO_PASSWORD, role=Role.INSTRUCTOR
    )
    give_demo_device(user)
    out = io.StringIO()
    call_command("demo_codes", stdout=out)
    device = TOTPDevice.objects.get(user=user)
    assert "instructrice@pollen.example" in out.getvalue()
    assert demo_code(device) in out.getvalue()
    assert device.verify_token(demo_code(device))


def test_it_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="production"):
        call_command("demo_codes")
