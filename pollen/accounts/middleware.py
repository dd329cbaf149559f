"""Sessions that end: after a while without activity (shorter for staff), and at the latest
after their absolute lifetime (SESSION_COOKIE_AGE)."""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from pollen import clock
from pollen.accounts.models import User

SEEN = "pollen_last_seen"
# The session is written at most this often just to say "still here" (every request would
# write a row, the deadline's submissions included).
SEEN_RESOLUTION_S = 60


def idle_limit(user: object) -> int:
    staff = getattr(user, "is_programme_staff", False) or getattr(user, "is_superuser", False)
    return settings.SESSION_IDLE_STAFF_S if staff else settings.SESSION_IDLE_S


class IdleSessionMiddleware:
    """Sign out a person who has been idle longer than their role allows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(clock.now().timestamp())
            seen = request.session.get(SEEN)
            if isinstance(seen, int) and now - seen > idle_limit(user):
                logout(request)
                messages.info(
                    request,
                    _("Votre session a expiré après une période d'inactivité : reconnectez-vous."),
                )
                to_login = redirect_to_login(request.get_full_path())
                if request.headers.get("HX-Request"):  # a fragment: the whole page goes
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = to_login["Location"]
                    return response
                return to_login
            if not isinstance(seen, int) or now - seen >= SEEN_RESOLUTION_S:
                request.session[SEEN] = now
        return self.get_response(request)


def note_sign_in(sender: object, request: HttpRequest, user: object, **kwargs: object) -> None:
    """Signing in is activity: the first requests after it need not write the session."""
    request.session[SEEN] = int(clock.now().timestamp())


# What a signed-in person who still owes their second factor may reach.
BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:otp_verify",
        "accounts:otp_enrol",
        "accounts:logout",
        "accounts:login",
        "set_language",
    }
)


class SecondFactorMiddleware:
    """Staff whose session has not given its code reach only the code, enrolment and sign-out
    pages (the admin site included: it is one more page behind this gate)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: object, args: object, kwargs: object
    ) -> HttpResponse | None:
        from pollen.accounts.second_factor import is_verified, needs_second_factor

        user = getattr(request, "user", None)
        match = request.resolver_match
        if (
            user is None
            or match is None
            or match.view_name in BEFORE_SECOND_FACTOR
            or not needs_second_factor(user)
            or is_verified(request)
        ):
            return None
        to_code = f"{reverse('accounts:otp_verify')}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = to_code
            return response
        return redirect(to_code)


class RememberLanguageMiddleware:
    """A signed-in person's choice of language (the site's language cookie, set by the switch
    in the header) is kept on their account, so that their mails are written in it.

    Only an explicit choice counts: without the cookie the site is French by default, and the
    account keeps what it had. A request without a session cookie is left alone (no session is
    read: public pages do not vary on Cookie); one UPDATE, only when the choice changed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if chosen in self.available and settings.SESSION_COOKIE_NAME in request.COOKIES:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated and user.language != chosen:
                User.objects.filter(pk=user.pk).update(language=chosen)
                user.language = chosen
        return self.get_response(request)
