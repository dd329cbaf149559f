"""A group's live fragment, rendered once per revision and shared by the group's screens.

When someone writes in a group, every screen of the group fetches the fragment within a
second: 25 renders of the same proposals, comments and forms, about 20 ms each. Outside the
vote, what they show is the same for every member, but for two things: the CSRF token in its
forms and the server's clock for the countdown. The fragment is rendered once per (group,
revision, language, may comment) with two random markers in their place, then each screen
gets a copy with its own token and the current time. During the vote each member sees their
own dots, so those fragments are rendered for each (the revision does not move with votes:
services._touch).

The copies live in this process (a small LRU); each gunicorn worker renders its own once.
"""

import secrets
import threading
from collections import OrderedDict
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.translation import get_language

from pollen import clock

_CSRF = f"csrf-{secrets.token_hex(16)}"  # random per process: nobody can type it in a proposal
_NOW = f"now-{secrets.token_hex(16)}"
_SIZE = 256
_lock = threading.Lock()
_rendered: "OrderedDict[tuple[Any, ...], str]" = OrderedDict()


class _Marker:
    """Stands for the server's clock in the shared render (`{{ server_now.isoformat }}`)."""

    def isoformat(self) -> str:
        return _NOW


def shared_group_live(request: HttpRequest, context: dict[str, Any]) -> str | None:
    """The group's fragment for this screen, from the shared render; None while voting."""
    if context["can_vote"]:
        return None
    key = (
        context["group"].pk,
        context["revision"],
        get_language(),
        bool(context["can_comment"]),
        context["stream_url"],
    )
    with _lock:
        html = _rendered.get(key)
        if html is not None:
            _rendered.move_to_end(key)
    if html is None:
        html = render_to_string(
            "jam/_group_live.html",
            {
                **context,
                "me": None,
                "my_votes": frozenset(),
                "dots_left": 0,
                "csrf_token": _CSRF,
                "server_now": _Marker(),
            },
        )
        with _lock:
            _rendered[key] = html
            while len(_rendered) > _SIZE:
                _rendered.popitem(last=False)
    return html.replace(_CSRF, get_token(request)).replace(_NOW, clock.now().isoformat())


def forget() -> None:
    """For tests: every render again."""
    with _lock:
        _rendered.clear()
