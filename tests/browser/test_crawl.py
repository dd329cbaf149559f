"""Every demo persona follows the links of the demo from their landing page in Chromium: no link
to a refusal or to nothing, no form the role may not submit, no script error, nothing wider than
the screen, no serious or critical axe-core violation; in French and English, 1280 and 375 px
(the 375 px walks also measure pages at 320 px: each route once in the whole run, the first
time a walk opens it; every page of every walk with POLLEN_FULL_CRAWL=1).

CI runs French at 1280 px and English at 375 px; POLLEN_FULL_CRAWL=1 runs the whole matrix."""

import io
import os
from collections import Counter
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from pollen.accounts.models import User
from pollen.demo.personas import ALL_PERSONAS, PERSONAS
from tests.browser.test_accessibility import AXE, violations
from tests.browser.test_pages import overflowing, watch
from tests.crawl import followable, route_of
from tests.test_route_walker import LOGIN, answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FULL = os.environ.get("POLLEN_FULL_CRAWL") == "1"
MATRIX = (
    [(lang, width) for lang in ("fr", "en") for width in (1280, 375)]
    if FULL
    else [("fr", 1280), ("en", 375)]
)
PEOPLE = [None, *(email for email, _n, _r in (ALL_PERSONAS if FULL else PERSONAS))]
PER_PERSONA = 40 if FULL else 14  # pages opened in the browser, one per route
NARROWEST = 320  # px: the phone-sized walks check pages at this width as well
# Routes already measured at NARROWEST px, shared by every walk of the run: a route's pages share
# their layout, so outside the full crawl one measure per route is enough.
NARROW_MEASURED: set[str] = set()
LINKS_PER_ROUTE = 3  # links checked through the test client, per route and persona
REFUSED = {403, 404, LOGIN}
# Forms whose success is to end the session: the sign-in page is their answer, not a refusal.
SIGNS_OUT = {"accounts:logout", "accounts:sign_out_everywhere"}


def signed_in_client(email: str | None, language: str) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if email:
        client.force_login(User.objects.get(email=email))
    return client


def too_wide(page) -> list[str]:
    """The page is wider than the screen: what sticks out."""
    scroll, screen = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]"
    )
    return [f"{scroll} px wide for {screen} px: {overflowing(page)}"] if scroll > screen else []


def links_and_forms(page) -> tuple[list[str], list[tuple[str, str]]]:
    return page.evaluate(
        """() => [
            [...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")),
            [...document.querySelectorAll("form")].map((f) => [
                (f.getAttribute("method") || "get").toLowerCase(),
                f.getAttribute("action") || location.pathname + location.search,
            ]),
        ]"""
    )


def walk(
    browser, base: str, email: str | None, language: str, width: int
) -> tuple[dict[str, list[str]], int]:
    """One persona's walk: the problems found, by page, and the number of pages opened."""
    client = signed_in_client(email, language)
    context = browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": 900}, bypass_csp=True
    )
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": base}
            for name, morsel in client.cookies.items()
        ]
    )
    page = context.new_page()
    errors = watch(page)
    failed: list[str] = []  # what the page itself loaded and was refused (images, scripts…)
    page.on(
        "response",
        lambda r: (
            failed.append(f"{r.url} answered {r.status}")
            if r.status >= 400 and r.request.resource_type != "document"
            else None
        ),
    )
    checked: Counter[str] = Counter()
    problems: dict[str, list[str]] = {}
    answers: dict[tuple[str, str], object] = {}
    routes: set[str] = set()
    queue = ["/espace/" if email else "/"]
    opened = 0
    while queue and opened < PER_PERSONA:
        path = queue.pop(0)
        route = route_of(urlsplit(path).path)
        if route in routes:
            continue
        routes.add(route or path)
        errors.clear()
        failed.clear()
        try:
            response = page.goto(base + path)
        except PlaywrightError as error:
            if "Download is starting" not in error.message:
                raise
            continue  # a file to keep (a letter, a receipt): its answer was checked as a link
        opened += 1
        found: list[str] = []
        if response is None or response.status != 200:
            found.append(f"answered {response.status if response else 'nothing'}")
        elif "text/html" in (response.headers.get("content-type") or ""):
            found += list(errors) + list(failed)
            found += too_wide(page)
            if width < NARROWEST * 2 and (FULL or (route or path) not in NARROW_MEASURED):
                # a phone: the narrowest phone too, then back
                NARROW_MEASURED.add(route or path)
                page.set_viewport_size({"width": NARROWEST, "height": 900})
                found += too_wide(page)
                page.set_viewport_size({"width": width, "height": 900})
            if AXE.exists():
                found += violations(page)
            hrefs, forms = links_and_forms(page)
            for href in hrefs:
                target = followable(path, href)
                if target is None:
                    continue
                key = ("get", target)
                if key not in answers:
                    # a list's forty rows link to forty pages of one route: a few are enough
                    route = route_of(urlsplit(target).path) or target
                    if checked[route] >= LINKS_PER_ROUTE:
                        continue
                    checked[route] += 1
                    answers[key] = answer(client, "get", target)[0]
                # a visitor is sent to sign in, then on: that link is not a refusal
                if answers[key] in REFUSED and not (email is None and answers[key] == LOGIN):
                    found.append(f"link to {target} answers {answers[key]}")
                elif target not in queue:
                    queue.append(target)
            for method, action in forms:
                target = followable(path, action)
                if (
                    target is None
                    or method != "post"
                    or route_of(urlsplit(target).path) in SIGNS_OUT
                ):
                    continue
                key = ("post", target)
                if key not in answers:  # an empty submission, rolled back: refused or not
                    answers[key] = answer(client, "post", target)[0]
                if answers[key] in REFUSED:
                    found.append(f"form to {target} is refused for this role ({answers[key]})")
        if found:
            problems[f"{email or 'anonymous'} {path}"] = found
    context.close()
    return problems, opened


@pytest.fixture
def demo(territory, settings):
    settings.DEBUG = True  # the demo loads on a demonstration instance only
    call_command("load_demo", verbosity=0, stdout=io.StringIO())
    settings.DEBUG = False


@pytest.mark.parametrize(("language", "width"), MATRIX)
def test_every_persona_walks_the_demo_without_dead_links_errors_or_violations(
    browser, live_server, demo, language, width
):
    if not AXE.exists():
        pytest.skip("axe-core absent: make install puts it in .venv/node")
    problems: dict[str, list[str]] = {}
    pages = 0
    for email in PEOPLE:
        found, opened = walk(browser, live_server.url, email, language, width)
        problems |= found
        pages += opened
    print(f"{language} at {width} px: {pages} pages opened by {len(PEOPLE)} walks")
    report = "\n".join(f"{where}: {'; '.join(what)}" for where, what in sorted(problems.items()))
    assert not problems, f"{language} at {width} px, {pages} pages:\n{report}"
