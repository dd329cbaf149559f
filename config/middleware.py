"""French first: the language is the one chosen on the site (cookie), else French, never the browser's."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class FrenchFirstLocaleMiddleware:
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
            raise BadRequest("NUL character in the query string")  # logged; the 400 page says it
        return self.get_response(request)
