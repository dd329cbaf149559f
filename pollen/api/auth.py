"""Staff tokens (Bearer) and a fixed-window rate limit per token or address, kept in the cache."""

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

from pollen import clock
from pollen.accounts.models import User
from pollen.api.models import ApiToken
from pollen.audit.services import record_event
from pollen.ratelimit import client_address, hit

WINDOW_SECONDS = 60


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@transaction.atomic
def create_token(*, acting_user: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the clear key is returned once and never stored."""
    key = f"pol_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[4:12], key_sha256=_digest(key), created_at=clock.now()
    )
    record_event(actor=acting_user, action="api.token_created", obj=token, after={"user": user.pk})
    return token, key


def bearer_key(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def token_user(request: HttpRequest) -> User | None:
    key = bearer_key(request)
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_sha256=_digest(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=clock.now())
    return token.user


def rate_limit() -> int:
    """Requests per minute per token or address (POLLEN_API_RATE_LIMIT)."""
    return int(getattr(settings, "POLLEN_API_RATE_LIMIT", 300))


def _client_key(request: HttpRequest) -> str:
    """A live token counts on its own; no token, or one that is not ours, counts on the address
    (a new random token per request must not reset the count)."""
    key = bearer_key(request)
    if key and ApiToken.objects.filter(key_sha256=_digest(key), revoked_at__isnull=True).exists():
        return "t:" + _digest(key)[:32]
    return "ip:" + client_address(request)


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """At most POLLEN_API_RATE_LIMIT requests per minute per token (or per address without one)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        counted = hit(f"api:{_client_key(request)}", rate_limit(), WINDOW_SECONDS)
        if counted.refused:
            refused = JsonResponse(
                {"detail": f"Trop de requêtes : au plus {counted.limit} par minute."}, status=429
            )
            refused["Retry-After"] = str(counted.retry_after)
            return refused
        response = view(request, *args, **kwargs)
        response["X-RateLimit-Limit"] = str(counted.limit)
        response["X-RateLimit-Remaining"] = str(counted.remaining)
        return response

    return wrapped
