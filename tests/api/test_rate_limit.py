"""The API's rate limit holds across processes and cannot be dodged with made-up tokens."""

import pytest
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache

from pollen.api.auth import create_token


def test_made_up_tokens_count_against_the_address(client, db, settings, one_window):
    settings.POLLEN_API_RATE_LIMIT = 5
    codes = [
        client.get("/api/v1/calls", HTTP_AUTHORIZATION=f"Bearer pol_invente{i}").status_code
        for i in range(8)
    ]
    assert codes.count(429) == 3


def test_a_live_token_has_its_own_count(client, personas, settings, one_window):
    settings.POLLEN_API_RATE_LIMIT = 2
    _, key = create_token(acting_user=None, user=personas["instructor"], name="t")
    for _ in range(2):
        client.get("/api/v1/calls")
    assert client.get("/api/v1/calls").status_code == 429
    assert client.get("/api/v1/calls", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_behind_trusted_proxies_the_client_address_is_the_proxys_view(
    client, db, settings, one_window
):
    settings.POLLEN_API_RATE_LIMIT = 2
    settings.TRUSTED_PROXIES = 1
    # A client writing its own X-Forwarded-For cannot pose as many clients: the proxy appends.
    for forged in ("1.1.1.1", "2.2.2.2"):
        client.get("/api/v1/calls", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")
    third = client.get("/api/v1/calls", HTTP_X_FORWARDED_FOR="3.3.3.3, 203.0.113.7")
    other = client.get("/api/v1/calls", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert (third.status_code, other.status_code) == (429, 200)


def test_the_count_lives_where_every_process_sees_it(db):
    """Two cache objects, as two processes would hold: one count (the default is not memory)."""
    assert isinstance(caches["default"], DatabaseCache)
    other_process = DatabaseCache("pollen_cache", {})
    caches["default"].set("pollen-shared", 1)
    other_process.incr("pollen-shared")
    assert caches["default"].get("pollen-shared") == 2


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/15"])
def test_redis_is_shared_too_when_configured(url):
    from django.core.cache.backends.redis import RedisCache

    first, second = RedisCache(url, {}), RedisCache(url, {})
    try:
        first.set("pollen-shared", 1)
    except Exception:  # no Redis on this machine
        pytest.skip("Redis injoignable sur 127.0.0.1:6379")
    second.incr("pollen-shared")
    assert first.get("pollen-shared") == 2
    first.delete("pollen-shared")
