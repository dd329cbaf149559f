"""The platform's clock: real time, or, for a demo or a rehearsal, time running from a chosen moment."""

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

PARIS = ZoneInfo("Europe/Paris")
_started_monotonic = time.monotonic()
# Set only by `override`: demo data and tests that replay a precise moment.
_pinned: ContextVar[dt.datetime | None] = ContextVar("pinned_now", default=None)


def _offset() -> dt.timedelta:
    start = settings.CLOCK_START
    if not start:
        return dt.timedelta(0)
    anchor = dt.datetime.fromisoformat(start)
    if anchor.tzinfo is None:
        anchor = timezone.make_aware(anchor)
    if settings.CLOCK_STARTED_AT:
        # Every process of one deployment shares the same real starting moment.
        real_start = dt.datetime.fromisoformat(settings.CLOCK_STARTED_AT)
    else:
        real_start = timezone.now() - dt.timedelta(seconds=time.monotonic() - _started_monotonic)
    return anchor - real_start


def now() -> dt.datetime:
    """Aware now, shifted when POLLEN_CLOCK_START is set (the demo runs from 16 November 2026)."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    return timezone.now() + _offset()


@contextmanager
def override(moment: dt.datetime) -> Iterator[None]:
    """Within the block, now() is exactly `moment` (aware)."""
    if moment.tzinfo is None:
        raise ValueError("override needs an aware datetime")
    token = _pinned.set(moment)
    try:
        yield
    finally:
        _pinned.reset(token)


def is_shifted() -> bool:
    return bool(settings.CLOCK_START)


def today() -> dt.date:
    """The platform's date in Paris (a transfer dated today in France is dated today)."""
    return now().astimezone(PARIS).date()


def paris(moment: dt.datetime) -> str:
    """'13/09/2013 à 23:59:59' in Paris time, for receipts and messages."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M:%S")
