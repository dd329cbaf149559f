"""The facilitator's console: the page, and its three live areas fetched like a group's screen.

Each area is its own fragment with its own mark: the agenda and the clock move with the jam's
stage, the groups' activity with every write in the jam (a dot or a check-in included), the
welcome desk with its counts. `…/console/direct/<area>/?depuis=<mark>` answers 204 while the
mark is unchanged; the page fetches every area when the console's stream names a new revision
(streams.console_stream, PostgreSQL under ASGI) or every second otherwise. The forms the
facilitator types in (the message, the search) sit outside the areas: a swap never touches them.
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from pollen import clock
from pollen.jam import selectors, streams
from pollen.jam.models import Jam, Participant
from pollen.permissions import require


def _require_runner(request: HttpRequest, slug: str) -> tuple[Jam, Participant]:
    jam = selectors.access_jam(slug)
    me = selectors.viewer(request, jam)
    require(selectors.can_run(me))  # a 403 that says why
    assert me is not None
    return jam, me


def _stage(jam: Jam, me: Participant) -> tuple[str, dict[str, Any]]:
    return str(jam.stage_revision), {
        "clock": selectors.agenda(jam),
        "server_now": clock.now(),
        "phases": jam.phases.all(),
    }


def _groups(jam: Jam, me: Participant) -> tuple[str, dict[str, Any]]:
    rows = selectors.groups_activity(jam)
    return str(jam.revision), {
        "rows": rows,
        # a facilitator opens and closes the vote of their own group only: no button elsewhere
        "may_run": {row.group.pk for row in rows if selectors.can_run(me, row.group)},
        "latest": list(selectors.latest_proposals(jam)),
        "totals": {
            name: sum(getattr(row, name) for row in rows)
            for name in ("proposals", "comments", "dots")
        },
    }


def _welcome_mark(counts: dict[str, Any]) -> str:
    last = counts["last"].isoformat() if counts["last"] else ""
    return f"{counts['present']}.{counts['confirmed']}.{counts['waitlisted']}.{last}"


def _welcome(jam: Jam, me: Participant) -> tuple[str, dict[str, Any]]:
    counts = selectors.welcome_counts(jam)
    return _welcome_mark(counts), {
        "counts": counts,
        "arrivals": list(selectors.latest_arrivals(jam)),
    }


# area (as in the URL) → its template and what it shows, with the mark it is fetched against
AREAS: dict[str, tuple[str, Callable[[Jam, Participant], tuple[str, dict[str, Any]]]]] = {
    "deroule": ("jam/_console_stage.html", _stage),
    "groupes": ("jam/_console_groups.html", _groups),
    "accueil": ("jam/_console_welcome.html", _welcome),
}


def _area_context(request: HttpRequest, jam: Jam, me: Participant, area: str) -> dict[str, Any]:
    mark, context = AREAS[area][1](jam, me)
    return {
        **context,
        "jam": jam,
        "area": area,
        "mark": mark,
        "stream_url": streams.console_stream_url(request, jam),
    }


def console(request: HttpRequest, slug: str) -> HttpResponse:
    jam, me = _require_runner(request, slug)
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "jam/console.html",
        {
            "jam": jam,
            "me": me,
            "is_organiser": bool(selectors.can_organise(me)),
            "stream_url": streams.console_stream_url(request, jam),
            "areas": {
                area: render_to_string(
                    AREAS[area][0], _area_context(request, jam, me, area), request
                )
                for area in AREAS
            },
            "query": query,
            "found": selectors.search_participants(jam, query) if query else [],
        },
    )


def console_live(request: HttpRequest, slug: str, area: str) -> HttpResponse:
    """One area of the console: 204 while its mark is the one the page shows."""
    if area not in AREAS:
        raise Http404
    jam, me = _require_runner(request, slug)
    # The mark alone first (the jam's row, just read; one count for the welcome desk).
    if area == "accueil":
        mark = _welcome_mark(selectors.welcome_counts(jam))
    else:
        mark = str(jam.stage_revision if area == "deroule" else jam.revision)
    if request.GET.get("depuis", "") == mark:
        return HttpResponse(status=204)
    return render(request, AREAS[area][0], _area_context(request, jam, me, area))
