"""The API guide (docs/api.md) and the API page say what the API does."""

import html
import json
import re
from typing import Any

import pytest
from django.urls import reverse

from pollen.api import webhooks
from pollen.api.openapi import document
from tests.conftest import ROOT

GUIDE = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def python_snippet(text: str) -> str:
    """The guide's one Python block: the receiver's signature check."""
    (block,) = re.findall(r"```python\n(.*?)```", text, re.S)
    return block


def verifier(source: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "docs/api.md", "exec"), namespace)  # noqa: S102 - our own guide
    return namespace["verify_pollen_signature"]


def test_the_guides_snippet_verifies_a_signature_pollen_made() -> None:
    verify = verifier(python_snippet(GUIDE))
    secret = "a-shared-secret"
    body = json.dumps({"id": "e1", "event": "paid", "data": {"amount_eur": "21000.00"}}).encode()
    signature = webhooks.sign(secret, body)
    assert verify(secret, body, signature)
    assert not verify(secret, body + b" ", signature)  # a changed body
    assert not verify("another-secret", body, signature)
    assert not verify(secret, body, "")


def test_the_guide_covers_every_endpoint_of_the_openapi_document() -> None:
    for path, operations in document(places=True)["paths"].items():
        for method in operations:
            assert f"`{method.upper()} {path}`" in GUIDE, (method, path)
    for topic in ("## Getting a token", "## Rate limit", "Pagination", "### Headers and signature"):
        assert topic in GUIDE
    assert GUIDE.count("curl ") >= 8


@pytest.mark.django_db
def test_the_api_page_gives_parameters_examples_errors_and_the_same_snippet(
    client, settings
) -> None:
    page = client.get(reverse("api:docs")).content.decode()
    text = html.unescape(page)
    assert f'curl "{settings.SITE_URL}/api/v1/calls/fablabs-2013"' in text
    assert "<code>radius_km</code>" in page and "nombre entier 1–200" in text
    assert (
        'curl -X POST -H "Content-Type: application/json" -d \'{"note": "…"}\' '
        f'-H "Authorization: Bearer pol_…" "{settings.SITE_URL}/api/v1/staff/applications/12/notes"'
    ) in text
    assert "create_api_token" in text and "Retry-After" in text and "X-Pollen-Signature" in text
    shown = re.search(r'<pre id="verify-signature"><code>(.*?)</code></pre>', page, re.S)
    assert shown is not None
    assert html.unescape(shown.group(1)).strip() == python_snippet(GUIDE).strip()
    for status in ("400", "401", "403", "404", "409", "429"):
        assert f"<code>HTTP {status}</code>" in page
