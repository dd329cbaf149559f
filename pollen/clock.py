"""The platform's clock: real time, or, for a demo or a rehearsal, time running from a chosen moment."""

import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

PARIS = ZoneInfo("Europe/Paris")
_started_monotonic = time.monotonic()


def _offset() -> dt.timedelta:
    start = settings.CLOCK_START
    if not start:
        return dt.timedelta(0)
    anchor = dt.datetime.fromisoformat(start)
    if anchor.tzinfo is None:
        anchor = timezone.make_aware(anchor)
    real_start = timezone.now() - dt.timedelta(seconds=time.monotonic() - _started_monotonic)
    return anchor - real_start


def now() -> dt.datetime:
    """Aware UTC now, shifted when POLLEN_CLOCK_START is set (the demo runs on 13 September 2013)."""
    return timezone.now() + _offset()


def is_shifted() -> bool:
    return bool(settings.CLOCK_START)



def paris(moment: dt.datetime) -> str:
    """'13/09/2013 à 23:59:59' in Paris time, for receipts and messages."""
    return moment.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M:%S")
