"""Pollen's own middleware: French first, NUL characters refused, browser features off, no-store,
styled error pages in the demo."""

from collections.abc import Callable

from django.conf import settings
from django.core import signals
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import get_resolver, get_urlconf
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.log import log_response


class FrenchFirstLocaleMiddleware:
    """The language chosen on the site (a cookie), else French; never the browser's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override, not activate: the thread goes back to its language after the request.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RefuseNullCharactersMiddleware:
    """A query string carrying a NUL character is a bad request (400), never a server error.

    PostgreSQL text cannot hold NUL: a filter such as ?q=%00 would otherwise reach the database
    and fail there. Forms already refuse it at their fields (Django's own validator).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any(
            "\x00" in name or "\x00" in value
            for name, values in request.GET.lists()
            for value in values
        ):
            if request.path.startswith("/api/"):  # the API answers JSON, as its document says
                return JsonResponse(
                    {"detail": "La requête contient un caractère NUL (%00)."}, status=400
                )
            raise BadRequest("NUL character in the query string")  # logged; the 400 page says it
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Turns off the browser features Pollen never uses (settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(allowed)})"
            for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class NoStoreForPrivateMiddleware:
    """What is shown to someone in particular is kept by no browser or proxy cache.

    Private: a request carrying credentials (a signed-in user, a jam participant's session, an
    API token), or a view that said so with Django's `never_cache`. Public pages stay cacheable.
    Signed-in users and jam participants both hold a non-empty session; a visitor's browser
    without a session cookie is never asked about one, so public pages do not vary on Cookie.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _private(request) and "no-store" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


def _private(request: HttpRequest) -> bool:
    if "Authorization" in request.headers:
        return True
    session = getattr(request, "session", None)
    if session is None:
        return False
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and not session.modified:
        return False
    return bool(session.keys())  # a signed-in user's id, a jam participant's link…


class StyledErrorPagesMiddleware:
    """With DEBUG but without DEBUG_PAGES (`make demo`), the site's own 404 and 500 pages:
    Django's debug pages would show a visitor every route, the settings or the code.

    A view's exception comes to process_exception; a path no route matches never reaches a
    view, so its (debug) 404 is replaced on the way out. Without DEBUG, Django's handlers
    already render these pages and this does nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _styled() and response.status_code == 404 and request.resolver_match is None:
            return _handler(404)(request, exception=Http404())
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _styled() or isinstance(
            exception, PermissionDenied | BadRequest | SuspiciousOperation
        ):
            return None  # Django's own handling: the styled 403 page, or debug's 400
        if isinstance(exception, Http404):
            return _handler(404)(request, exception=exception)
        signals.got_request_exception.send(sender=None, request=request)
        response = _handler(500)(request)
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exception,
        )
        return response


def _styled() -> bool:
    return settings.DEBUG and not settings.DEBUG_PAGES


def _handler(status: int) -> Callable[..., HttpResponse]:
    return get_resolver(get_urlconf()).resolve_error_handler(status)
