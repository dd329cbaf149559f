"""Following a person's links through the demo: what they can reach, and the codes they read."""

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.apps import apps
from django.urls import Resolver404, resolve

from pollen.calls.models import Call
from pollen.domain.apply.budget import ResourceKind, ResourceStatus
from pollen.domain.review.scoring import Recommendation

# Never followed: leaving the session, Django's own admin (its own vocabulary, for the
# administrator only), the API and the machine exports (codes are their vocabulary).
SKIPPED_PREFIXES = ("/deconnexion", "/admin/", "/api/", "/static/", "/media/")
MACHINE_SUFFIXES = (".csv", ".xlsx", ".json", ".svg", ".geojson", ".ods", ".zip")


class Page(HTMLParser):
    """A page's links, forms and the text a person reads (no script, style, attribute)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[tuple[str, str]] = []  # (method, action)
        self.text: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        elif tag == "form":
            self.forms.append(((values.get("method") or "get").lower(), values.get("action") or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.text.append(data.strip())


def read_page(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def route_of(path: str) -> str | None:
    """namespace:name of a site path, None if it is not one of the site's routes."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return f"{match.namespace}:{match.url_name}"


def followable(base: str, href: str) -> str | None:
    """The same-origin path (with its query) a link leads to, or None."""
    url, _fragment = urldefrag(urljoin(base, href))
    parts = urlsplit(url)
    if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if parts.path.startswith(SKIPPED_PREFIXES) or parts.path.endswith(MACHINE_SUFFIXES):
        return None
    return path


@dataclass
class Visit:
    path: str
    route: str
    status: int
    content_type: str
    body: bytes
    referrer: str


def crawl(client, start: list[str], *, per_route: int = 2, cap: int = 150) -> Iterator[Visit]:
    """Breadth-first through the links of HTML pages from `start`: at most `per_route` paths
    per route (namespace:name) and `cap` pages, each fetched once."""
    seen: set[str] = set()
    per: Counter[str] = Counter()
    queue = [(path, "") for path in start]
    fetched = 0
    while queue and fetched < cap:
        path, referrer = queue.pop(0)
        route = route_of(urlsplit(path).path)
        if path in seen or route is None or per[route] >= per_route:
            continue
        seen.add(path)
        per[route] += 1
        fetched += 1
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        kind = response.get("Content-Type", "")
        yield Visit(path, route, response.status_code, kind, body, referrer)
        if response.status_code == 200 and kind.startswith("text/html"):
            for href in read_page(body.decode()).links:
                target = followable(path, href)
                if target and target not in seen:
                    queue.append((target, path))


def choice_codes() -> dict[str, str]:
    """Every code of every choice list a person may meet, with where it comes from."""
    codes: dict[str, str] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("pollen."):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and value:
                    codes.setdefault(value, f"{model.__name__}.{field.name}")
    for enum in (ResourceKind, ResourceStatus, Recommendation):
        for member in enum:
            codes.setdefault(str(member.value), enum.__name__)
    for call in Call.objects.all():
        spec = call.spec
        for rule in spec.rules:
            codes.setdefault(rule.id, f"{call.slug} rule")
        for category in spec.expense_categories:
            codes.setdefault(category.id, f"{call.slug} expense category")
        for document in spec.documents:
            codes.setdefault(document.id, f"{call.slug} document")
    for trigger in ("signature", "progress_report", "final_report"):
        codes.setdefault(trigger, "payment trigger (call.schema.json)")
    return codes


def codes_in(
    text: str, codes: dict[str, str], allowed: frozenset[str], *, compound_only: bool = False
) -> set[str]:
    """The codes written as words in a person's text (word boundaries; `_`/`-` join words; a
    file's name, « budget_detail.pdf », is what its owner called it, not a code)."""
    found = set()
    for code in codes:
        if code in allowed or (compound_only and "_" not in code):
            continue
        if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-]|\.[a-z]{{2,4}}\b)", text):
            found.add(code)
    return found
