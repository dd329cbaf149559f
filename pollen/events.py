"""Domain events: a service says what happened, in its transaction; subscribers act on it.

A service calls `publish("application.submitted", obj=application, payload={…})` beside the
change it announces. Each subscriber (the API's webhooks, registered in its AppConfig.ready())
runs at once, in that same transaction, and only writes rows: an outbox. So a change that rolls
back announces nothing, and one that commits is never lost. The rows are then delivered by tasks
(Django's tasks framework, docs/decisions/0012-tasks-and-outbox.md), enqueued after the commit
with `enqueue_on_commit`; a task lost between the commit and its enqueue is found again by the
`sweep_outbox` command. This module sits below every app: it knows no feature.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.tasks import Task


@dataclass(frozen=True)
class Event:
    name: str
    # The row the event is about (for the events published so far, the Application).
    obj: Any
    payload: dict[str, Any] = field(default_factory=dict)


type Subscriber = Callable[[Event], None]

_subscribers: dict[str, list[Subscriber]] = {}


def subscribe(name: str, subscriber: Subscriber) -> None:
    """Call `subscriber` for each event `name`; subscribing twice (ready() run again) is once."""
    subscribers = _subscribers.setdefault(name, [])
    if subscriber not in subscribers:
        subscribers.append(subscriber)


def publish(name: str, *, obj: Any, payload: dict[str, Any] | None = None) -> Event:
    """Announce `name` to its subscribers, in the caller's transaction (they write rows only)."""
    event = Event(name, obj, payload or {})
    for subscriber in _subscribers.get(name, ()):
        subscriber(event)
    return event


def enqueue_on_commit(task: Task[[int], Any], ids: Callable[[], Iterable[int]]) -> None:
    """After the commit, enqueue `task(id)` for each row written by the transaction.

    `ids` is read after the commit; with the immediate backend each task runs there and then,
    with the database backend a worker on any host takes it.
    """
    transaction.on_commit(lambda: _enqueue(task, list(ids())))


def _enqueue(task: Task[[int], Any], ids: list[int]) -> None:
    for pk in ids:
        task.enqueue(pk)


def retry_later(task: Task[[int], Any], pk: int, *, run_after: Any) -> bool:
    """Enqueue `task(pk)` to run at `run_after` where the backend can wait; False where it cannot
    (the immediate backend): `sweep_outbox` enqueues the row again once it is due."""
    if not task.get_backend().supports_defer:
        return False
    task.using(run_after=run_after).enqueue(pk)
    return True
