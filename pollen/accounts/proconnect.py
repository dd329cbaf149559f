"""Signing in with ProConnect, the State's OpenID Connect for agents and professionals
(mozilla-django-oidc; docs/decisions/0016-proconnect-oidc.md).

A person is found by address (case folded) or created as an applicant, never with a staff
role: an administrator grants roles, a manager invites. Staff still give Pollen's second
factor after ProConnect (the SecondFactorMiddleware asks for it as after a password).
The provider's endpoints come from the settings or, with only POLLEN_OIDC_ISSUER, from its
discovery document, read once per process at the first use, never at start-up.
"""

import functools
import json
from typing import Any
from urllib.request import Request, urlopen

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from pollen import clock
from pollen.accounts.models import Role, User, UserManager
from pollen.audit.services import record_event

# Our setting → the discovery document's key.
DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


@functools.cache
def _discovery(issuer: str) -> dict[str, Any]:
    url = f"{issuer}/.well-known/openid-configuration"
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"POLLEN_OIDC_ISSUER is not an http(s) address: {issuer}")
    request = Request(url, headers={"Accept": "application/json"})  # noqa: S310 - checked above
    with urlopen(request, timeout=settings.OIDC_TIMEOUT) as response:  # noqa: S310
        data = json.loads(response.read(1_000_000))
    if not isinstance(data, dict):
        raise ValueError("the discovery document is not a JSON object")
    return data


def get_setting(attr: str, *default: Any) -> Any:
    """A setting of mozilla-django-oidc's; an empty endpoint is read from the discovery."""
    if attr in DISCOVERED and not getattr(settings, attr, ""):
        return _discovery(settings.OIDC_ISSUER).get(DISCOVERED[attr], *default)
    return import_from_settings(attr, *default)


def forget_discovery() -> None:
    """Tests start providers on new ports."""
    _discovery.cache_clear()


def _require_enabled() -> None:
    if not settings.OIDC_ENABLED:
        raise Http404("ProConnect n'est pas configuré.")


class ProConnectBackend(OIDCAuthenticationBackend):
    """Only at ProConnect's callback; the endpoints are read when first needed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.UserModel = User

    get_settings = staticmethod(get_setting)

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return str(get_setting("OIDC_OP_TOKEN_ENDPOINT"))

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return str(get_setting("OIDC_OP_USER_ENDPOINT"))

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str | None:
        return get_setting("OIDC_OP_JWKS_ENDPOINT", None) or None

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(settings.OIDC_RP_CLIENT_ID)

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return str(settings.OIDC_RP_CLIENT_SECRET)

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return str(settings.OIDC_RP_SIGN_ALGO)

    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> Any:
        if not settings.OIDC_ENABLED or "nonce" not in kwargs:
            return None  # a password sign-in: not ours
        return super().authenticate(request, **kwargs)

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = claims.get("email")
        if not email:
            return User.objects.none()
        return User.objects.filter(email=UserManager.canonical_email(str(email)))

    def create_user(self, claims: dict[str, Any]) -> User:
        return create_account_from_proconnect(claims=claims)


def _full_name(claims: dict[str, Any]) -> str:
    parts = (claims.get("given_name"), claims.get("usual_name") or claims.get("family_name"))
    return " ".join(str(p).strip() for p in parts if p)[:150]


@transaction.atomic
def create_account_from_proconnect(*, claims: dict[str, Any]) -> User:
    """A first ProConnect sign-in: an applicant's account, without password or staff role."""
    user = User.objects.create_user(
        str(claims["email"]),
        None,
        full_name=_full_name(claims),
        role=Role.APPLICANT,
        email_confirmed_at=clock.now(),  # ProConnect's identity providers vouch for it
    )
    record_event(
        actor=user,
        action="account.created_by_proconnect",
        obj=user,
        after={"sub": str(claims.get("sub", ""))[:200], "siret": str(claims.get("siret", ""))},
    )
    return user


class ProConnectStart(OIDCAuthenticationRequestView):
    """« S'identifier avec ProConnect »: off to the provider."""

    get_settings = staticmethod(get_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_enabled()
        self.OIDC_OP_AUTH_ENDPOINT = get_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        response: HttpResponse = super().get(request)
        return response


class ProConnectCallback(OIDCAuthenticationCallbackView):
    """Back from the provider: signed in, or back to the sign-in page with the reason."""

    get_settings = staticmethod(get_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        _require_enabled()
        response: HttpResponse = super().get(request)
        return response

    def login_failure(self) -> HttpResponse:
        messages.error(
            self.request,
            _(
                "La connexion avec ProConnect n'a pas abouti. Réessayez, ou connectez-vous "
                "avec votre adresse et votre mot de passe."
            ),
        )
        return HttpResponseRedirect(reverse("accounts:login"))
