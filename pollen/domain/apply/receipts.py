"""Canonical snapshots of what was submitted, and their SHA-256 fingerprints."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from pollen.domain.text import gettext_noop

# What the applicant certifies before submitting, ticked on the recap page. Its French text is
# the statement's version: the audit event of each submission keeps it word for word, whatever
# the language the page was read in.
SWORN_STATEMENT = gettext_noop("Je certifie sur l'honneur l'exactitude des informations fournies.")


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"not serialisable in a snapshot: {type(value).__name__}")


def canonical_json(data: dict[str, Any]) -> str:
    """One byte-exact text per content: sorted keys, no spaces, UTF-8, Decimals as '0.00'."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default
    )


def sha256_hex(data: bytes | str) -> str:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha256(raw).hexdigest()


def receipt_number(call_slug: str, application_id: int, round_number: int) -> str:
    """A short reference people can quote on the phone: FABLABS-2013-000042-1."""
    return f"{call_slug.upper()}-{application_id:06d}-{round_number}"
