"""Playwright driving Debian's Chromium against the live test server."""

import os
import shutil
import threading
import time

import pytest
from django.core.signals import request_finished, request_started
from playwright.sync_api import expect

# Wait with locators and expect(): page.wait_for_function polls with the page's eval, which the
# CSP refuses (no 'unsafe-eval'). expect() waits as long as the pages' own actions do.
expect.set_options(timeout=15_000)

CHROMIUM = os.environ.get("POLLEN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium introuvable ({CHROMIUM}) : apt-get install -y chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


# Runs in every page before its own scripts: each CSP violation is reported to the test.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => window.__pollenCspViolation(
  `${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`
));
"""
# Chromium's console words for a refused resource and for a header it cannot read.
POLICY_ERRORS = ("Content Security Policy", "Permissions-Policy", "Permissions policy")


def watch_policies(context, violations: list[str]) -> None:
    """Collects this context's CSP violations and policy header errors into `violations`."""
    context.expose_binding("__pollenCspViolation", lambda source, text: violations.append(text))
    context.add_init_script(REPORT_VIOLATIONS)
    context.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if any(words in message.text for words in POLICY_ERRORS)
            else None
        ),
    )


@pytest.fixture(autouse=True)
def policy_violations(browser, live_server, monkeypatch):
    """Every context a browser test opens is watched (one CSP violation fails the test), then
    closed with the test: a page left open would go on polling a server whose test is over.

    It depends on live_server so that it ends first: the contexts are closed, and the requests
    the server is still answering are over, before the test database is emptied (on
    PostgreSQL a TRUNCATE racing a late poll deadlocks)."""
    violations: list[str] = []
    opened = []
    new_context = browser.new_context
    in_flight = [0]
    lock = threading.Lock()  # the live server answers in several threads

    def started(**kwargs):
        with lock:
            in_flight[0] += 1

    def finished(**kwargs):
        with lock:
            in_flight[0] -= 1

    request_started.connect(started, weak=False)
    request_finished.connect(finished, weak=False)

    def watched_context(**kwargs):
        context = new_context(**kwargs)
        watch_policies(context, violations)
        opened.append(context)
        return context

    monkeypatch.setattr(browser, "new_context", watched_context)
    yield violations
    for context in opened:
        context.close()
    deadline = time.monotonic() + 10
    while in_flight[0] > 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    request_started.disconnect(started)
    request_finished.disconnect(finished)
    assert violations == [], "the page broke its own security policy"


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    page.base = live_server.url
    yield page
    context.close()


def current_code(email):
    """The code the persona's demo device accepts now (waits out a step already used)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from pollen.demo.personas import demo_code

    device = TOTPDevice.objects.get(user__email=email, confirmed=True)
    step = (int(time.time()) - device.t0) // device.step + device.drift
    while device.last_t > step:  # this step and the next were used: wait for the next one
        time.sleep(1)
        step = (int(time.time()) - device.t0) // device.step + device.drift
    return demo_code(device)


def login(page, email, password):
    page.goto(f"{page.base}/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").last.click()
    page.wait_for_url(lambda url: "/connexion/code/" in url or url.endswith("/espace/"))
    if "/connexion/code/" in page.url:  # staff: the second factor
        page.get_by_label("Code à usage unique").fill(current_code(email))
        page.get_by_role("button", name="Vérifier").click()
    page.wait_for_url("**/espace/")
