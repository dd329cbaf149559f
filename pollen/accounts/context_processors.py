"""What every page needs to know: the platform clock (shifted in the demo) and the menu."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from pollen import clock

# The public menu beyond the calls.
_NAV = [
    ("jam:list", _("Jams")),
    ("places:directory", _("Fablabs")),
    ("places:coverage", _("Couverture")),
    ("opendata:index", _("Données ouvertes")),
]


def _nav() -> list[dict[str, Any]]:
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
