"""The JSON API: plain views that parse, call one selector or service, and answer JSON."""

import json
import re
from collections.abc import Callable
from functools import cache, wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from pollen.accounts.models import User
from pollen.api import selectors, services, webhooks
from pollen.api.auth import rate_limit, rate_limited, token_user
from pollen.api.openapi import document, endpoints
from pollen.applications.models import Application
from pollen.programmes import for_staff

View = Callable[..., HttpResponse]


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def allow(*methods: str) -> Callable[[View], View]:
    """Other methods get a JSON 405 naming the allowed ones, as every answer of the API is JSON."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                response = _error(
                    f"Méthode {request.method} non prise en charge ici : {', '.join(methods)}.",
                    405,
                )
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@cache
def _declared_query_params() -> dict[tuple[str, str], frozenset[str]]:
    """(path shape, method) → the query parameters the OpenAPI document declares for it."""
    declared = {}
    for path, operations in document(places=True)["paths"].items():
        for method, operation in operations.items():
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            declared[(re.sub(r"\{[^}]+\}", "{}", path), method.upper())] = frozenset(names)
    return declared


def _check_query(request: HttpRequest) -> None:
    """A parameter the document does not declare is a mistake (a typo would filter nothing)."""
    match = request.resolver_match
    if match is None:
        return
    shape = "/" + re.sub(r"<[^>]+>", "{}", str(match.route))
    allowed = _declared_query_params().get((shape, request.method or "GET"))
    if allowed is None:
        return
    for name in request.GET:
        if name not in allowed:
            accepted = ", ".join(sorted(allowed)) or "aucun"
            raise selectors.BadQuery(
                f"Paramètre inconnu : « {name} ». Paramètres acceptés : {accepted}."
            )


def public(view: View) -> View:
    """GET only, rate limited, open to anyone (CORS), bad parameters answered with a 400.

    Exempt from CSRF: it changes nothing and refuses other methods, which would otherwise meet
    Django's HTML CSRF page (403) before the JSON 405.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            _check_query(request)
            response = view(request, *args, **kwargs)
        except selectors.BadQuery as exc:
            response = _error(str(exc), 400)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return csrf_exempt(rate_limited(allow("GET")(wrapped)))


def staff(view: View) -> View:
    """A Bearer token of an active programme staff member, rate limited per token."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = token_user(request)
        if user is None:
            response = _error("Jeton d'accès manquant ou invalide.", 401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        if not user.is_programme_staff:
            return _error("Cette API est réservée à l'équipe du programme.", 403)
        try:
            _check_query(request)
            return view(request, user, *args, **kwargs)
        except selectors.BadQuery as exc:
            return _error(str(exc), 400)
        except PermissionDenied as exc:
            # The services check who asks, as for the pages: a token holds no more than its user.
            return _error(str(exc) or "Action non autorisée.", 403)

    return csrf_exempt(rate_limited(wrapped))


@public
def openapi_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(document(places=selectors.places_model() is not None))


@public
def docs(request: HttpRequest) -> HttpResponse:
    """The guide's sections (docs/api.md), each endpoint read from the OpenAPI document."""
    doc = document(selectors.places_model() is not None)
    context = {
        "doc": doc,
        "endpoints": endpoints(doc, settings.SITE_URL),
        "rate_limit": rate_limit(),
        "signature_header": webhooks.SIGNATURE_HEADER,
        "max_attempts": webhooks.MAX_ATTEMPTS,
    }
    return render(request, "api/docs.html", context)


@public
def calls(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        selectors.page_of(request.GET, selectors.published_calls(), selectors.call_json)
    )


@public
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = selectors.published_calls().filter(slug=slug).first()
    if call is None:
        return _error("Appel introuvable.", 404)
    return JsonResponse(selectors.call_json(call))


@public
def awards(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        selectors.page_of(request.GET, selectors.awards(request.GET), selectors.award_json)
    )


@public
def places(request: HttpRequest) -> HttpResponse:
    qs = selectors.places()
    if qs is None:
        return _error("L'annuaire des lieux n'est pas disponible sur cette plateforme.", 404)
    return JsonResponse(selectors.page_of(request.GET, qs, selectors.place_json))


@public
def coverage(request: HttpRequest) -> HttpResponse:
    radius = selectors.int_param(request.GET, "radius_km", 20, 1, 200)
    return JsonResponse(selectors.coverage(radius))


@staff
@allow("GET")
def staff_applications(request: HttpRequest, user: User) -> HttpResponse:
    return JsonResponse(
        selectors.page_of(
            request.GET,
            selectors.staff_applications(request.GET, user),
            selectors.application_json,
        )
    )


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise selectors.BadQuery("Le corps de la requête doit être un objet JSON.") from None
    except RecursionError:  # thousands of nested [ or {: the parser gives up, so do we
        raise selectors.BadQuery("Le corps de la requête est imbriqué trop profondément.") from None
    if not isinstance(data, dict):
        raise selectors.BadQuery("Le corps de la requête doit être un objet JSON.")
    return data


def _text(data: dict[str, Any], name: str) -> str:
    """A string the database can store: JSON allows a lone surrogate ("\\ud800"), which is not
    UTF-8, and NUL, which PostgreSQL refuses in text."""
    value = data.get(name, "")
    if not isinstance(value, str):
        raise selectors.BadQuery(f"« {name} » doit être une chaîne de caractères.")
    if "\x00" in value:
        raise selectors.BadQuery(f"« {name} » contient un caractère nul, refusé.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise selectors.BadQuery(f"« {name} » contient un caractère Unicode invalide.") from None
    return value


@csrf_exempt
def not_found(request: HttpRequest) -> HttpResponse:
    """Any other path under /api/: a JSON 404, never the site's HTML page."""
    return _error("Ressource introuvable dans l'API.", 404)


@staff
@allow("POST")
def application_status(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    # Another programme's application is not found: ids reveal nothing (pollen/programmes.py).
    application = for_staff(Application.objects.filter(pk=pk), user).first()
    if application is None:
        return _error("Candidature introuvable.", 404)
    data = _json_body(request)
    try:
        application = services.change_status(
            acting_user=user,
            application=application,
            status=_text(data, "status"),
            message=_text(data, "message"),
            amount=_text(data, "amount_eur"),
        )
    except services.ApiInvalid as exc:
        return _error(str(exc), 400)
    except services.ApiRefused as exc:
        return _error(str(exc), 409)
    application = Application.objects.select_related("call", "organisation").get(pk=pk)
    return JsonResponse(selectors.application_json(application))


@staff
@allow("POST")
def application_note(request: HttpRequest, user: User, pk: int) -> HttpResponse:
    # Another programme's application is not found: ids reveal nothing (pollen/programmes.py).
    application = for_staff(Application.objects.filter(pk=pk), user).first()
    if application is None:
        return _error("Candidature introuvable.", 404)
    try:
        event = services.add_note(
            acting_user=user, application=application, note=_text(_json_body(request), "note")
        )
    except services.ApiRefused as exc:
        return _error(str(exc), 400)
    return JsonResponse(
        {"id": event.pk, "occurred_at": event.occurred_at.isoformat(), "note": event.note},
        status=201,
    )
