"""The programme wall: another programme's staff reach none of the 2013 programme's rows.

The route walker's world (tests/test_route_walker.py) is the 2013 programme's; the Région
Bretagne's staff (the `other_programme` fixture) try every route that names one of its objects,
and read every list, export and API list the staff have.
"""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from pollen.api.auth import create_token
from pollen.grants.models import Grant
from tests.test_route_walker import (
    PARAMS,
    REFUSALS,
    answer,
    path_of,
    site_routes,
    world,  # noqa: F401 - the walker's world, a fixture
)

pytestmark = pytest.mark.django_db

# The world's objects that belong to the 2013 call (and so to its programme).
OBJECTS_OF_A = (
    "call",
    "programme",
    "programme_pk",
    "a",
    "b",
    "document",
    "draft",
    "draft_document",
    "pair_rule",
    "run",
    "grant",
    "payment",
    "job",  # a committee solve of the 2013 call
)
# Routes that name the call but are public, or the applicant's own way in.
OPEN_TO_ALL = {"calls:detail", "applications:new", "api:call"}
OTHERS = ("instructor_b", "expert_b", "committee_b", "manager_b", "finance_b")


class _Reads(dict[str, Any]):
    """The world, noting which of its objects a route's parameters name."""

    def __init__(self, w: dict[str, Any]) -> None:
        super().__init__(w)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


def routes_of_a(w: dict[str, Any]) -> list[str]:
    """Every route whose URL names one of the 2013 programme's objects."""
    names = []
    for name in site_routes():
        if name not in PARAMS or name in OPEN_TO_ALL:
            continue
        reads = _Reads(w)
        PARAMS[name](reads)
        if reads.read & set(OBJECTS_OF_A):
            names.append(name)
    return names


@pytest.fixture
def walls(world, other_programme, personas):  # noqa: F811 - the imported fixture
    clients = {}
    for name in OTHERS:
        clients[name] = Client(raise_request_exception=False)
        clients[name].force_login(personas[name])
    return world, clients


def test_the_walk_covers_every_kind_of_object():
    others = ("expert", "place", "jam", "token", "group", "proposal", "member", "phase")
    names = routes_of_a(dict.fromkeys((*OBJECTS_OF_A, *others), 1))
    for expected in (
        "applications:detail",
        "applications:document",
        "instruction:list",
        "instruction:export_csv",
        "instruction:thread",
        "selection:run_detail",
        "selection:letter",
        "grants:detail",
        "grants:payment_step",
        "grants:dashboard",
        "jobs:state_json",
        "accounts:programme_invitations",
        "api:application_status",
    ):
        assert expected in names


def test_another_programmes_staff_get_no_page_and_change_nothing(walls):
    w, clients = walls
    opened: dict[tuple[str, str, str], Any] = {}
    tried = 0
    for name in routes_of_a(w):
        path = path_of(name, w)
        for who, client in clients.items():
            for method in ("get", "post"):
                got, wrote = answer(client, method, path)
                tried += 1
                if got not in REFUSALS or wrote:
                    opened[(name, method, who)] = (got, "audit event" if wrote else "")
    assert tried > 200
    assert opened == {}


def test_another_programmes_tokens_find_nothing_of_it(walls, personas):
    w, _clients = walls
    anonymous = Client(raise_request_exception=False)
    for who in ("instructor_b", "manager_b"):
        key = create_token(acting_user=None, user=personas[who], name="wall")[1]
        auth = {"Authorization": f"Bearer {key}"}
        for name in ("api:application_status", "api:application_note"):
            got, wrote = answer(anonymous, "post", path_of(name, w), **auth)
            assert (got, wrote) == (404, False)
        listed = anonymous.get(reverse("api:staff_applications"), headers=auth).json()
        assert (listed["count"], listed["results"]) == (0, [])
    key = create_token(acting_user=None, user=personas["instructor"], name="wall")[1]
    own = anonymous.get(
        reverse("api:staff_applications"), headers={"Authorization": f"Bearer {key}"}
    )
    assert own.json()["count"] == 3  # the walker's world: two submitted, one draft


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_another_programmes_lists_and_exports_hold_none_of_its_rows(walls, personas):
    w, clients = walls
    grant = Grant.objects.get(pk=w["grant"])
    secrets = ("Atelier laser à Rennes", "Fabrique à Brest", grant.reference, "Fablab de Rennes")
    pages = {
        "instructor_b": [
            "dashboard:index",
            "instruction:index",
            "instruction:experts",
            "grants:list",
        ],
        "manager_b": ["dashboard:index", "selection:index", "grants:list", "grants:payments"],
        "committee_b": ["dashboard:index", "instruction:index", "selection:index"],
        "finance_b": ["grants:payments", "grants:payments_csv"],
    }
    for who, names in pages.items():
        for name in names:
            text = _page(clients[who], reverse(name))
            leaked = [s for s in secrets if s in text]
            assert leaked == [], (who, name)
    own = Client()
    own.force_login(personas["instructor"])
    assert "Atelier laser à Rennes" in _page(own, reverse("dashboard:index"))
    index = _page(clients["instructor_b"], reverse("instruction:index"))
    assert reverse("instruction:list", args=[w["call"]]) not in index
    assert reverse("instruction:list", args=["bretagne-tiers-lieux-2026"]) in index


def test_their_own_programme_stays_open_to_them(walls):
    _w, clients = walls
    slug = "bretagne-tiers-lieux-2026"
    assert clients["instructor_b"].get(reverse("instruction:list", args=[slug])).status_code == 200
    assert (
        clients["committee_b"].get(reverse("selection:committee", args=[slug])).status_code == 200
    )
    assert (
        clients["finance_b"]
        .get(reverse("grants:dashboard", args=["bretagne-fabrication"]))
        .status_code
        == 200
    )
