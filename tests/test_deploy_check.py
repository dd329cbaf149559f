"""Production is not a demo: Django's deployment checks pass under the documented variables."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What this machine's environment may set and the documented production settings do not
# (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for Playwright in this very process).
UNSET = {
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_BACKEND",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def check_deploy(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy --fail-level WARNING` in a fresh process, as docs/deployment.md says."""
    env = {k: v for k, v in os.environ.items() if k not in UNSET and not k.startswith("POLLEN_")}
    env.update(
        {
            "POLLEN_DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "pollen.example.gouv.fr",
            "CSRF_TRUSTED_ORIGINS": "https://pollen.example.gouv.fr",
            "POLLEN_BEHIND_TLS_PROXY": "1",
            "EMAIL_HOST": "smtp.example.gouv.fr",
            "POLLEN_VAR_DIR": str(tmp_path),
            # docs/configuration.md: production scans uploads (clamd need not run for the check)
            "POLLEN_CLAMAV": "unix:///run/clamav/clamd.ctl",
            **extra,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_deployment_checks_find_nothing_under_the_production_variables(tmp_path):
    run = check_deploy(tmp_path)
    assert run.returncode == 0, run.stderr
    assert "System check identified no issues (0 silenced)." in run.stdout


def test_a_warning_fails_the_deployment_checks(tmp_path):
    """The check above can fail: a plain-HTTP setting is reported, and the exit code says so."""
    run = check_deploy(tmp_path, POLLEN_SSL_REDIRECT="0")
    assert run.returncode != 0
    assert "security.W008" in run.stderr


def test_the_deployment_checks_report_uploads_that_no_antivirus_scans(tmp_path):
    run = check_deploy(tmp_path, POLLEN_CLAMAV="")
    assert run.returncode != 0
    assert "applications.W001" in run.stderr and "No antivirus" in run.stderr


def test_an_antivirus_address_that_is_not_one_is_an_error(tmp_path):
    run = check_deploy(tmp_path, POLLEN_CLAMAV="clamd.example:3310")
    assert run.returncode != 0
    assert "applications.E001" in run.stderr
