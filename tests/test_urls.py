"""Every database id in a URL is an <id:…>: a number no database holds is a 404, not a crash."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from pollen.converters import MAX_ID, DatabaseId
from tests.builders import organisation_for

NOT_YET: set[str] = set()  # apps whose URLs have not moved to <id:…> yet (none)
TOO_LARGE = [str(MAX_ID + 1), "99999999999999999999"]


def routes(resolver=None, prefix="", namespace=""):
    """(namespace, full route, pattern) of every URL pattern of the site."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry, route, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield namespace, route, entry


def id_routes():
    return [
        route
        for namespace, route, entry in routes()
        if namespace not in NOT_YET
        and any(isinstance(c, DatabaseId) for c in entry.pattern.converters.values())
    ]


def test_every_id_in_a_url_is_a_database_id():
    for namespace, route, entry in routes():
        if namespace in NOT_YET:
            continue
        for name, converter in entry.pattern.converters.items():
            if name == "pk" or name.endswith("_pk"):
                assert isinstance(converter, DatabaseId), route


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("persona", ["applicant", "instructor", "admin"])
def test_an_id_too_large_for_any_database_is_a_404(client, call_2013, personas, persona, number):
    organisation_for(personas["applicant"])
    client.force_login(personas[persona])
    assert len(id_routes()) > 20
    for route in id_routes():
        path = "/" + re.sub(r"<id:\w+>", number, route)
        path = re.sub(r"<slug:\w+>", call_2013.slug, path)
        path = re.sub(r"<int:\w+>", "1", re.sub(r"<str:\w+>", "x", path))
        for method in (client.get, client.post):
            assert method(path).status_code == 404, (method.__name__, path)


def test_the_largest_id_still_reaches_the_view(client, personas):
    client.force_login(personas["applicant"])
    response = client.post(f"/candidatures/{MAX_ID}/deposer/")
    assert response.status_code == 404  # looked up in the database, found nowhere
