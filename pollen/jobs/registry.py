"""Which handler runs each kind of job, and who besides its owner may follow it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pollen.jobs.models import Job


class Progress(Protocol):
    def __call__(self, done: int, total: int, label: str = "") -> None: ...


@dataclass(frozen=True)
class Outcome:
    """What a finished job leaves: a page to go to, or a file to download, and any plain data."""

    url: str = ""
    content: bytes | None = None
    filename: str = ""
    content_type: str = "application/octet-stream"
    data: dict[str, Any] = field(default_factory=dict)


class Failed(Exception):
    """A refusal no retry can change (invalid input, no longer allowed): the job fails at once;
    the message, already in French, is shown to the person who asked."""


type Handler = Callable[["Job", Progress], Outcome]
type CanView = Callable[[Any, "Job"], bool]


@dataclass(frozen=True)
class Kind:
    name: str
    handler: Handler
    can_view: CanView
    title: Any  # what the job's page calls it (a lazy translation)


def _nobody_else(user: Any, job: "Job") -> bool:
    return False


_kinds: dict[str, Kind] = {}


def register(
    kind: str, handler: Handler, *, can_view: CanView = _nobody_else, title: Any = ""
) -> None:
    """Run `handler(job, progress)` for jobs of `kind`; registering again (ready() run twice)
    replaces the entry. `can_view(user, job)` lets others than the owner follow it.

    A handler must be idempotent: its write happens in one transaction that a second run finds
    (a row keyed by the job's id), or it checks what is already done first.
    """
    _kinds[kind] = Kind(kind, handler, can_view, title or kind)


def kind_of(name: str) -> Kind:
    return _kinds[name]


def known(name: str) -> bool:
    return name in _kinds
