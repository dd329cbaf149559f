"""Sign-in failures counted by django-axes: the client's address as Pollen reads it, the
account as sign-in finds it, two limits, and the French page of a locked sign-in."""

import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_parameters
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from pollen.accounts.forms import LoginForm
from pollen.accounts.models import UserManager
from pollen.ratelimit import client_address


def client_ip(request: HttpRequest) -> str:
    """The address the API's rate limit counts: behind POLLEN_TRUSTED_PROXIES, theirs."""
    return client_address(request)


def username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """ "Applicant@Test.example" and "applicant@test.example" are one account, one count."""
    typed = (credentials or {}).get("username")
    if typed is None:
        typed = getattr(request, "POST", {}).get("username", "")
    return UserManager.canonical_email(str(typed or ""))


class PollenAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit of its own for the address alone.

    Axes compares the largest count among AXES_LOCKOUT_PARAMETERS with one limit; the address's
    count is scaled so that it reaches that limit at POLLEN_LOGIN_FAILURES_PER_ADDRESS.
    """

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        pair, address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        per_pair, per_address = settings.LOGIN_FAILURES, settings.LOGIN_FAILURES_PER_ADDRESS
        return max(pair, address * per_pair // per_address)


def minutes_left(request: HttpRequest, credentials: dict[str, Any] | None) -> int:
    """Minutes until the lock ends: it lasts POLLEN_LOGIN_LOCK_MINUTES after the last failure."""
    name = username(request, credentials)
    address = getattr(request, "axes_ip_address", None) or client_ip(request)
    last = None
    for filters in get_client_parameters(name, address, None, request, credentials):
        found = AccessAttempt.objects.filter(**filters).aggregate(t=Max("attempt_time"))["t"]
        if found is not None and (last is None or found > last):
            last = found
    if last is None:
        return settings.LOGIN_LOCK_MINUTES
    left: float = (last + settings.AXES_COOLOFF_TIME - timezone.now()).total_seconds()
    return max(1, math.ceil(left / 60))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The sign-in page again, saying for how long and how to get back in (429)."""
    form = LoginForm(request, data=None, initial={"username": username(request, credentials)})
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_minutes": minutes_left(request, credentials), "next": ""},
        status=429,
    )


def unlock_account(email: str) -> int:
    """Forget the account's failures (from every address): a password reset proves the owner."""
    return int(reset(username=UserManager.canonical_email(email)))
