"""Every answer's security headers, and `no-store` on what is shown to someone in particular."""

import re
from pathlib import Path

from django.urls import reverse

from pollen.api.auth import create_token
from pollen.jam import selectors
from pollen.jam.models import WorkingGroup
from tests.builders import eligible_draft, organisation_for
from tests.jam.conftest import make_jam, person

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "pollen").rglob("templates/**/*.html"))


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_a_page_carries_a_csp_with_a_nonce_and_nothing_inline_or_evaluated(client, db):
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    html = response.content.decode()
    assert f'nonce="{nonce}"' in html  # the DSFR's script tags carry this answer's nonce
    assert client.get(reverse("home"))["Content-Security-Policy"] != policy  # one per answer


def test_the_browser_features_pollen_does_not_use_are_off(client, db):
    response = client.get(reverse("home"))
    features = dict(f.split("=") for f in response["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_the_public_home_page_stays_cacheable(client, call_2013):
    response = client.get(reverse("home"))
    assert response.status_code == 200 and not no_store(response)
    assert not no_store(client.get(reverse("api:calls")))


def test_every_page_shown_to_a_signed_in_user_is_no_store(client, call_2013, personas):
    client.force_login(personas["applicant"])
    assert no_store(client.get(reverse("dashboard:index")))
    assert no_store(client.get(reverse("home")))  # the header names the user


def test_a_private_document_is_no_store(client, call_2013, personas):
    organisation_for(personas["applicant"])
    draft = eligible_draft(call_2013, personas["applicant"])
    client.force_login(personas["applicant"])
    document = draft.documents.first()
    download = client.get(reverse("applications:document", args=[draft.pk, document.pk]))
    assert b"".join(download.streaming_content) and no_store(download)


def test_an_export_is_no_store(client, call_2013, personas):
    client.force_login(personas["instructor"])
    started = client.get(reverse("instruction:export_csv", args=[call_2013.slug]))
    assert started.status_code == 303  # a job: its page, then its file
    export = client.get(started["Location"] + "fichier/")
    assert export.status_code == 200 and no_store(export)
    assert b"".join(export.streaming_content)  # served whole


def test_a_jam_participant_is_no_store_from_their_link_on(client, personas):
    jam = make_jam("direct", personas["manager"])
    ana = person(jam, "Ana Un", group=WorkingGroup.objects.create(jam=jam, position=0, theme="T"))
    entered = client.get(reverse("jam:enter", args=[jam.slug, selectors.personal_token(ana)]))
    assert no_store(entered)  # the answer that opens the jam's session
    room = client.get(reverse("jam:room", args=[jam.slug]))
    assert room.status_code == 200 and no_store(room)


def test_an_answer_to_an_api_token_is_no_store(client, personas):
    _, key = create_token(acting_user=None, user=personas["instructor"], name="test")
    response = client.get(
        reverse("api:staff_applications"), headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200 and no_store(response)


def test_no_template_holds_an_inline_style_script_or_handler():
    """The CSP would refuse them in the browser: styles go to pollen.css, scripts to static files."""
    inline = re.compile(
        r"\sstyle\s*=|<style|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|hx-on|javascript:"
    )
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in TEMPLATES
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert TEMPLATES and found == []


def test_no_widget_asks_htmx_to_evaluate_code():
    """`hx-vals="js:…"` or `hx-on` set from Python would need eval, which the CSP refuses."""
    evaluated = re.compile(r"""["']js:|hx-on""")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "pollen").rglob("*.py"))
        for match in evaluated.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
