"""What every page needs to know: the platform clock (shifted in the demo) and the menu."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from pollen import clock
from pollen.accounts.navigation import public_links, role_links


def platform(request: HttpRequest) -> dict[str, Any]:
    areas = role_links(getattr(request, "user", None), request.path)
    return {
        "clock_shifted": clock.is_shifted(),
        "platform_now": clock.now(),
        "platform_nav": public_links(request.path),
        "platform_areas": areas,
        "platform_areas_current": any(link.current for link in areas),
        "contact_email": settings.CONTACT_EMAIL,  # the error pages' « Nous écrire »
    }
