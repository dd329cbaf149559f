"""Sensitive actions ask who you are again when the last confirmation is older than
POLLEN_REAUTH_MINUTES: a sign-in, a second-factor code or the "Confirmez votre identité" page."""

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from pollen import clock

CONFIRMED = "pollen_confirmed_at"

View = Callable[..., HttpResponse]


def mark_confirmed(request: HttpRequest) -> None:
    request.session[CONFIRMED] = int(clock.now().timestamp())


def recently_confirmed(request: HttpRequest) -> bool:
    at = request.session.get(CONFIRMED)
    return isinstance(at, int) and int(clock.now().timestamp()) - at <= settings.REAUTH_S


def note_confirmed_at_sign_in(
    sender: object, request: HttpRequest, user: object, **kwargs: object
) -> None:
    """Signing in is a confirmation (staff confirm again with their code, see second_factor)."""
    mark_confirmed(request)


def safe_next(request: HttpRequest, target: str | None, default: str = "") -> str:
    """`target` if it stays on this site, else `default` (a crafted ?next= goes nowhere)."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse("dashboard:index")


def confirm_url(back: str) -> str:
    return f"{reverse('accounts:reauth')}?{urlencode({'next': back})}"


def _back_from_post(request: HttpRequest) -> str:
    """Where a refused POST comes back to: its form's `next`, the page it was sent from, or
    its own address (the form page, for views that show their form on GET)."""
    for candidate in (request.POST.get("next"), request.headers.get("Referer")):
        if candidate:
            back = safe_next(request, candidate, default="-")
            if back != "-":
                parts = urlsplit(back)  # the Referer is absolute: keep the path on this site
                return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()


def recent_auth_required(
    when: Callable[..., bool] | None = None,
) -> Callable[[View], View]:
    """Decorate a view: without a recent confirmation, off to the confirmation page and back.

    `when(request, *args, **kwargs)` narrows it to some requests (a payment's approval, not its
    request). The page asked on GET is where the person comes back; a refused POST comes back to
    the page that sent it, what was typed there is typed again.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if (
                request.user.is_authenticated
                and not recently_confirmed(request)
                and (when is None or when(request, *args, **kwargs))
            ):
                back = (
                    request.get_full_path() if request.method == "GET" else _back_from_post(request)
                )
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = confirm_url(back)
                    return response
                return redirect(confirm_url(back))
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
