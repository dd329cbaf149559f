"""Logs carry no mail body and no personal data: console mail in development only, SMTP in
production, and nothing in LOGGING that prints a mail."""

import json
import os
import secrets
import subprocess
import sys

from django.conf import settings

from tests.conftest import ROOT


def production_settings(**extra: str) -> dict[str, str]:
    """The mail backend and the logging handlers under the production variables."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("POLLEN_", "EMAIL_")) and k != "DATABASE_URL"
    }
    env.update({"POLLEN_DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), **extra})
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.MAILERS['default']['BACKEND'], s.LOGGING]))"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    backend, logging = json.loads(run.stdout)
    return {"backend": backend, "logging": logging}


def test_in_production_mail_goes_by_smtp_never_to_the_console(tmp_path):
    found = production_settings(POLLEN_VAR_DIR=str(tmp_path))
    assert found["backend"] == "django.core.mail.backends.smtp.EmailBackend"


def test_no_logging_handler_sends_or_prints_mail():
    # AdminEmailHandler would mail tracebacks (with request data) and print them in DEBUG.
    for handler in settings.LOGGING.get("handlers", {}).values():
        assert "AdminEmailHandler" not in handler["class"]
        assert handler["class"] in {"logging.StreamHandler", "logging.NullHandler"}
    assert "django.core.mail" not in settings.LOGGING.get("loggers", {})
