"""Signed links sent by mail (a sign-up's confirmation, an invitation): what they carry cannot
be changed, and they expire by the platform's clock (which tests pin and the demo shifts)."""

from typing import Any

from django.core import signing

from pollen import clock


def make_token(salt: str, **payload: Any) -> str:
    """A URL-safe token carrying `payload` and the moment it was made."""
    return signing.dumps({**payload, "t": int(clock.now().timestamp())}, salt=salt)


def read_token(salt: str, token: str, max_age_s: int) -> dict[str, Any] | None:
    """The payload, or None when the token is forged, made for another purpose, or too old."""
    try:
        payload = signing.loads(token, salt=salt)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("t"), int):
        return None
    age = int(clock.now().timestamp()) - payload["t"]
    return payload if 0 <= age <= max_age_s else None
