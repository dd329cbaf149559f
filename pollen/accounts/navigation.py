"""The site's menu: the public pages, then the areas of the signed-in person's role."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pollen.accounts.models import COMMITTEE_ROLES, STAFF_ROLES, Role, User

_PUBLIC = [
    ("home", _("Appels à projets")),
    ("jam:list", _("Jams")),
    ("places:directory", _("Fablabs")),
    ("places:coverage", _("Couverture")),
    ("opendata:index", _("Données ouvertes")),
]
_COMMITTEE = COMMITTEE_ROLES
_MONEY = (
    *STAFF_ROLES,
    Role.FINANCE,
)  # as the dashboard's links (grants.can_follow_grants is wider)
# (url name, label, the roles it is for), in the order of the work. Accounts sits below the apps
# it links to (import-linter): the roles are copied from their `can_…`, and
# tests/about/test_pages.py opens every link of every persona's menu as that persona.
_AREAS = [
    ("instruction:index", _("Instruction"), STAFF_ROLES),
    ("instruction:index", _("Classement"), (Role.COMMITTEE,)),  # expertise.can_read_ranking
    ("instruction:experts", _("Experts"), STAFF_ROLES),
    ("expertise:my_reviews", _("Mes évaluations"), (Role.EXPERT,)),
    ("expertise:my_profile", _("Mon profil d'expert"), (Role.EXPERT,)),
    ("selection:index", _("Comité de sélection"), _COMMITTEE),
    ("grants:list", _("Subventions"), _MONEY),
    ("grants:payments", _("Versements"), _MONEY),
    ("accounts:organisation_changes", _("Changements de bénéficiaire"), STAFF_ROLES),
    ("accounts:organisation", _("Ma structure"), (Role.APPLICANT,)),
]


@dataclass(frozen=True)
class Link:
    url: str
    label: str | Promise
    # "page" on the page itself, "true" anywhere below it (aria-current's values)
    current: str = ""

    def at(self, path: str) -> "Link":
        if path == self.url:
            return Link(self.url, self.label, "page")
        if self.url != "/" and path.startswith(self.url):
            return Link(self.url, self.label, "true")
        return self


def _links(entries: Sequence[tuple[str, str | Promise]], path: str) -> list[Link]:
    links = []
    for name, label in entries:
        try:
            links.append(Link(reverse(name), label).at(path))
        except NoReverseMatch:  # an app left out of a deployment's URLs
            continue
    return links


def public_links(path: str = "") -> list[Link]:
    return _links(_PUBLIC, path)


def role_links(user: object, path: str = "") -> list[Link]:
    """The entry points of the person's work; nothing for a visitor."""
    if not isinstance(user, User) or not user.is_active:
        return []
    entries = [(name, label) for name, label, roles in _AREAS if user.has_role(*roles)]
    return _links([("dashboard:index", _("Accueil de mon espace")), *entries], path)
