"""The audit chain's definition: an event's canonical form and the hash linking it to the last.

Its own module because sealing (services) and verifying (selectors) must agree on it byte for
byte, and because it can never change for events already sealed: a new field of AuditEvent
joins CHAINED_FIELDS only with a version of the form that old events keep.
"""

import datetime as dt
import hashlib
import json
from typing import Any

# The fields an event is sealed with, in this order in every row read for the chain.
CHAINED_FIELDS = (
    "id",
    "occurred_at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "note",
)


def canonical(row: tuple[Any, ...]) -> bytes:
    """One event's fields (as CHAINED_FIELDS lists them) as compact, key-sorted JSON in UTF-8."""
    fields = dict(zip(CHAINED_FIELDS, row, strict=True))
    occurred_at: dt.datetime = fields["occurred_at"]
    # In UTC: the same moment reads the same whatever the connection's time zone.
    fields["occurred_at"] = occurred_at.astimezone(dt.UTC).isoformat()
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode()


def link(previous: str | None, row: tuple[Any, ...]) -> str:
    """The chain of an event: sha256 of the previous event's chain ("" for the first) and its form."""
    return hashlib.sha256((previous or "").encode() + canonical(row)).hexdigest()
