"""The footer's pages (accessibility statement, legal notice, site map) and the 500 page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from pollen.accounts.navigation import Link, public_links, role_links

# Public pages that are not in the menu, for the site map.
_MORE = [
    ("accounts:login", _("Se connecter")),
    ("accounts:password_reset", _("Mot de passe oublié")),
    ("places:siting", _("Où ouvrir un fablab")),
    ("jam:followup", _("Suivi des jams")),
    ("api:docs", _("API")),
    ("about:accessibility", _("Accessibilité")),
    ("about:legal_notice", _("Mentions légales")),
    ("privacy:notice", _("Données personnelles")),
]


def _contacts() -> dict[str, str]:
    return {
        "contact_email": settings.CONTACT_EMAIL,
        "publisher": settings.PUBLISHER,
        "publication_director": settings.PUBLICATION_DIRECTOR,
        "host": settings.HOSTING_PROVIDER,
    }


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement the RGAA asks for (no audit yet: « non conforme »)."""
    return render(request, "about/accessibility.html", _contacts())


@require_GET
def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "about/legal_notice.html", _contacts())


@require_GET
def sitemap(request: HttpRequest) -> HttpResponse:
    """The public pages, then, for whoever is signed in, those of their role."""
    more = [Link(reverse(name), label) for name, label in _MORE]
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        more = [link for link in more if link.url != reverse("accounts:login")]
    account = [
        Link(reverse(name), label)
        for name, label in (
            ("accounts:password_change", _("Changer de mot de passe")),
            ("privacy:my_data", _("Mes données personnelles")),
        )
    ]
    return render(
        request,
        "about/sitemap.html",
        {
            "public": [*public_links(), *more],
            "work": role_links(user),
            "account": account if user is not None else [],
        },
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: no request context (what broke may be a context processor)."""
    page = loader.get_template("500.html").render({"contact_email": settings.CONTACT_EMAIL})
    return HttpResponseServerError(page)
