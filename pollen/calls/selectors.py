"""Reading calls."""

from django.db.models import QuerySet

from pollen.calls.models import Call


def published_calls() -> QuerySet[Call]:
    return Call.objects.filter(is_published=True).select_related("programme").order_by("-closes_at")
