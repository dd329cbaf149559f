"""What every page needs to know: the platform clock (shifted in the demo) and the menu."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from pollen import clock

# Menu entries of apps that may not be installed yet; each is shown once its URL exists.
_NAV = [
    ("places:directory", "Fablabs"),
    ("places:coverage", "Couverture"),
    ("opendata:index", "Données ouvertes"),
]


def _nav() -> list[dict[str, str]]:
    items = []
    for name, label in _NAV:
        try:
            items.append({"url": reverse(name), "label": label})
        except NoReverseMatch:
            continue
    return items


def platform(request: HttpRequest) -> dict[str, Any]:
    return {
        "clock_shifted": clock.is_shifted(),
        "platform_now": clock.now(),
        "platform_nav": _nav(),
    }
