"""Counting requests in the shared cache, so that every process and every host sees one count.

The API (per token, or per address) and the expensive anonymous pages (the siting page's solves)
count here. The cache is Django's: the database by default, Redis when POLLEN_CACHE_URL says so.
"""

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from pollen import clock


def client_address(request: HttpRequest) -> str:
    """The client's address: the connection's, or the one the trusted proxies saw.

    Each of the POLLEN_TRUSTED_PROXIES proxies appends the address it received from to
    X-Forwarded-For; what a client writes there itself stands further left and is ignored.
    """
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies and _is_address(hops[-proxies]):
            return hops[-proxies]
    remote = str(request.META.get("REMOTE_ADDR", ""))
    # Always an address (the sign-in lockout stores it in an address column): a request made
    # by code (a test's force_login, a command) has none and counts as 0.0.0.0.
    return remote if _is_address(remote) else "0.0.0.0"  # noqa: S104 - a value, not a bind


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Count:
    count: int
    limit: int
    retry_after: int  # seconds until the window ends

    @property
    def refused(self) -> bool:
        return self.count > self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)


def hit(key: str, limit: int, window_seconds: int = 60) -> Count:
    """Count one request against `key` in the current fixed window of `window_seconds`."""
    now = int(clock.now().timestamp())
    bucket = f"pollen-rate:{key}:{now // window_seconds}"
    cache.add(bucket, 0, timeout=window_seconds * 2)
    try:
        count = cache.incr(bucket)
    except ValueError:  # evicted between add and incr: count this request as the first
        cache.set(bucket, 1, timeout=window_seconds * 2)
        count = 1
    return Count(count, limit, window_seconds - now % window_seconds)
