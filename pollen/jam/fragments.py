"""A group's live fragment, rendered once per revision and shared by the group's screens.

When someone writes in a group, every screen of the group fetches the fragment within a
second: 25 renders of the same proposals, comments and forms, about 20 ms each. Outside the
vote, what they show is the same for every member, but for two things: the CSRF token in its
forms and the server's clock for the countdown. The fragment is rendered once per (group,
revision, language, may comment, may vote) with two random markers in their place, then each
screen gets a copy with its own token and the current time. During the vote each member sees
their own dots: the shared render holds, for each proposal, the three forms a member may see
(a dot given, a dot to give, no dot left) and the badge for every count of dots left, between
markers; each screen keeps its own (the revision does not move with votes: services._touch).
A vote burst is every member voting within seconds: each answer is then a copy, not a render.
The proposals' cards are kept apart, by the group's own revision: a change every screen shows
(a phase, an opening, a message) renders only the clock and badges above them.

The copies live in this process (a small LRU); each gunicorn worker renders its own once.
"""

import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from pollen import clock
from pollen.jam import selectors
from pollen.jam.models import Jam, Participant, Proposal, WorkingGroup

_CSRF = f"csrf-{secrets.token_hex(16)}"  # random per process: nobody can type it in a proposal
_NOW = f"now-{secrets.token_hex(16)}"
_VOTE = f"vote-{secrets.token_hex(16)}"
_FORMS = re.compile(
    rf"<!--{_VOTE}:(\d+):voted-->(.*?)<!--{_VOTE}:\1:open-->(.*?)"
    rf"<!--{_VOTE}:\1:full-->(.*?)<!--{_VOTE}:end-->",
    re.DOTALL,
)
_DOTS = re.compile(rf"<!--{_VOTE}:dots:(\d+)-->(.*?)(?=<!--{_VOTE}:dots:)", re.DOTALL)
_DOTS_END = f"<!--{_VOTE}:dots:end-->"


class KeptOnce[T]:
    """The latest `size` values by key, each made once: whoever asks for one while another
    thread makes it waits for that one (a group's screens hear a change together, on several
    threads). A value whose making failed is not kept: the next to ask makes it again."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._kept: OrderedDict[Hashable, T] = OrderedDict()
        self._making: dict[Hashable, Future[T]] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
            pending = self._making.get(key)
            mine = pending is None
            if pending is None:
                pending = self._making[key] = Future()
        if not mine:
            return pending.result()
        try:
            value = make()
        except BaseException as exc:
            with self._lock:
                del self._making[key]
            pending.set_exception(exc)
            raise
        with self._lock:
            del self._making[key]
            self._kept[key] = value
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        pending.set_result(value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


_rendered: KeptOnce[str] = KeptOnce(512)  # whole fragments and their cards


class _Marker:
    """Stands for the server's clock in the shared render (`{{ server_now.isoformat }}`)."""

    def isoformat(self) -> str:
        return _NOW


def live_context(
    jam: Jam,
    group: WorkingGroup,
    me: Participant | None,
    *,
    revision: str,
    stream_url: str,
    votes: set[int] | None = None,
) -> dict[str, Any]:
    """What a group's live fragment needs from one screen: the shared render's key and the
    member's own dots (`votes`, the proposals they gave one to, read here when not given).
    What it shows (the clock, the proposals) is read only to render it anew."""
    # A vote per proposal: their count is the dots used (only while voting, when they show).
    mine: set[int] = set()
    if me and group.voting_open:
        mine = selectors.my_votes(me) if votes is None else votes
    return {
        "jam": jam,
        "group": group,
        "me": me,
        "revision": revision,
        "stream_url": stream_url,
        "my_votes": mine,
        "dots_left": max(jam.dots - len(mine), 0) if me else 0,
        "vote_marker": "",
        "can_comment": selectors.can_comment(me, group),
        "can_vote": selectors.can_vote(me, group),
    }


def shown_context(jam: Jam, group: WorkingGroup) -> dict[str, Any]:
    """What the group's fragment shows, the same for every member."""
    return {
        "clock": selectors.agenda(jam),
        "server_now": clock.now(),
        "proposals": proposals_of(group),
    }


def proposals_of(group: WorkingGroup) -> list[Proposal]:
    """The group's proposals as its cards show them, read at once (several threads may render
    them)."""
    return list(selectors.group_proposals(group))


def shared_group_live(
    token: str,
    context: dict[str, Any],
    proposals: Callable[[], list[Proposal]],
) -> str:
    """The group's fragment for this screen, from the shared render, its forms carrying `token`
    (the screen's CSRF token). `context` holds the key and this screen's own part;
    `proposals()` is read only when the cards must be rendered anew."""
    voting = bool(context["can_vote"])
    key = (
        context["group"].pk,
        context["revision"],
        get_language(),
        bool(context["can_comment"]),
        voting,
        context["stream_url"],
    )

    def render() -> str:
        shared = {
            **context,
            "me": None,
            "my_votes": frozenset(),
            "dots_left": 0,
            "csrf_token": _CSRF,
            "vote_marker": _VOTE if voting else "",
            "dots_range": range(context["jam"].dots + 1),
        }
        cards = _cards(shared, voting, proposals)
        clock_now = {"clock": selectors.agenda(context["jam"]), "server_now": _Marker()}
        return render_to_string("jam/_group_live.html", {**shared, **clock_now, **cards})

    html = _rendered.get(key, render)
    if voting:
        html = _own_dots(html, context["my_votes"], context["dots_left"])
    return html.replace(_CSRF, token).replace(_NOW, clock.now().isoformat())


def _cards(
    shared: dict[str, Any], voting: bool, proposals: Callable[[], list[Proposal]]
) -> dict[str, Any]:
    """The proposals' cards, kept by the group's own revision (the number after the stage's):
    a phase change, an opening or a message to every screen renders only what is above them."""
    group = shared["group"]
    own = shared["revision"].rpartition(".")[2]
    key: tuple[Any, ...] = ("cards", group.pk, own, get_language(), bool(shared["can_comment"]))
    key += (voting, group.vote_closed)
    cards = _rendered.get(
        key,
        lambda: render_to_string("jam/_group_cards.html", {**shared, "proposals": proposals()}),
    )
    return {"cards": mark_safe(cards)}


def _own_dots(html: str, my_votes: Any, dots_left: int) -> str:
    """Keep, of each proposal's three forms and of the badges, the one this member sees."""

    def form(match: "re.Match[str]") -> str:
        voted, open_, full = match.group(2, 3, 4)
        return voted if int(match.group(1)) in my_votes else open_ if dots_left else full

    html = _FORMS.sub(form, html)
    start, end = html.find(f"<!--{_VOTE}:dots:"), html.find(_DOTS_END)
    if start < 0 or end < 0:
        return html
    badges = {
        int(m.group(1)): m.group(2) for m in _DOTS.finditer(html[start : end + len(_DOTS_END)])
    }
    return html[:start] + badges.get(dots_left, "") + html[end + len(_DOTS_END) :]


def forget() -> None:
    """For tests: every render again."""
    _rendered.clear()
