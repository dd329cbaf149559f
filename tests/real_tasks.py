"""The suite on the production task backend (POLLEN_TASKS=database), as `.ci/run`'s PostgreSQL pass
runs it.

A test runs in one transaction that nobody else can see, so a `db_worker` in another process
would never find its tasks. Instead, each enqueue is followed at once by the worker's own steps
in this process: the task is a row of django-tasks-db's table, taken with the worker's query
(`ready().get_locked()`, skipping locked rows, in its `exclusive_transaction`), claimed, then
run and recorded by `Worker.run_task`, the code a `db_worker` runs. Tasks put off to later
(`run_after`, a retry's backoff) wait as they would for a real worker. What differs from
production is only when and where the worker looks: `tests/cluster` and the `db_worker --batch`
tests run real workers in other processes.

The test's transaction never commits either, so the `transaction.on_commit` callbacks that
enqueue (a job started by a page, a mail, a webhook) would never run. `CommitsForTests` runs
them when they would have run outside a test: at once when no atomic block of the code under
test is open (autocommit), else when its outermost block ends without error; a rolled-back
block drops its callbacks, as Django does. Inside `django_capture_on_commit_callbacks`, the
callbacks are left to the capture, and never run by an emulated commit afterwards. A test that
runs `db_worker` itself, or counts what waits in the table, asks for `no_worker_in_process`.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.transaction import Atomic
from django.tasks.signals import task_enqueued
from django.test import TestCase
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

WORKER_ID = "pytest"
logger = logging.getLogger(__name__)


class InProcessWorker:
    """Runs every task that is ready, the way `db_worker --batch` does, after each enqueue."""

    def __init__(self) -> None:
        self.worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=WORKER_ID,
            excluded_queue_names=[],
        )
        self.draining = False
        self.runs = 0

    def on_enqueued(self, sender: type[DatabaseBackend], task_result: Any, **kwargs: Any) -> None:
        # A task that enqueues another (a webhook's next attempt, a job's follow-up) is inside
        # the loop below: the loop takes the new row when the current task is done.
        if self.draining:
            return
        self.draining = True
        try:
            while (row := self.take()) is not None:
                self.worker.run_task(row)
                self.runs += 1
        finally:
            self.draining = False

    def take(self) -> "DBTaskResult[Any, Any] | None":
        """The worker's claim, without its `close_old_connections` (which would end the test's
        transaction)."""
        tasks = DBTaskResult.objects.ready().filter(backend_name="default")
        with exclusive_transaction(tasks.db):
            row = tasks.get_locked()
            if row is not None:
                row.claim(WORKER_ID)
        return row

    def connect(self) -> None:
        task_enqueued.connect(self.on_enqueued, sender=DatabaseBackend)

    def disconnect(self) -> None:
        task_enqueued.disconnect(self.on_enqueued, sender=DatabaseBackend)


class CommitsForTests:
    """The test's transaction stands for autocommit: on_commit callbacks run when the code under
    test's own outermost atomic block ends, or at once outside any (see the module's docstring)."""

    def __init__(self) -> None:
        self.capturing = 0
        self.patch = pytest.MonkeyPatch()

    def only_the_tests_blocks_are_open(self, connection: BaseDatabaseWrapper) -> bool:
        return (
            connection.in_atomic_block
            and not connection.needs_rollback
            and not connection.closed_in_transaction
            and all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)
        )

    def run_due(self, connection: BaseDatabaseWrapper) -> None:
        """Run the callbacks of the blocks that have ended, the way a commit would."""
        while (
            not self.capturing
            and connection.run_on_commit
            and self.only_the_tests_blocks_are_open(connection)
        ):
            # Django keeps (savepoints, callback, robust); its stubs know only the first two.
            entry: tuple[Any, ...] = connection.run_on_commit.pop(0)
            func, robust = entry[1], entry[2]
            if robust:
                try:
                    func()
                except Exception:
                    logger.exception("Error calling %s in on_commit().", func)
            else:
                func()

    def connect(self) -> None:
        commits = self
        on_commit = BaseDatabaseWrapper.on_commit
        atomic_exit = Atomic.__exit__
        capture = TestCase.captureOnCommitCallbacks

        def on_commit_in_test(
            connection: BaseDatabaseWrapper, func: Callable[[], Any], robust: bool = False
        ) -> None:
            on_commit(connection, func, robust)
            commits.run_due(connection)

        def exit_in_test(block: Atomic, *exc_info: Any) -> None:
            atomic_exit(block, *exc_info)
            commits.run_due(connections[block.using or DEFAULT_DB_ALIAS])

        @contextmanager
        def captured(
            *, using: str = DEFAULT_DB_ALIAS, execute: bool = False
        ) -> Iterator[list[Callable[[], Any]]]:
            connection = connections[using]
            start = len(connection.run_on_commit)
            commits.capturing += 1
            try:
                with capture(using=using, execute=execute) as callbacks:
                    yield callbacks
            finally:
                commits.capturing -= 1
                # The captured callbacks are the test's (run by the capture, or not at all): the
                # emulated commit must not run them again later.
                del connection.run_on_commit[start:]

        self.patch.setattr(BaseDatabaseWrapper, "on_commit", on_commit_in_test)
        self.patch.setattr(Atomic, "__exit__", exit_in_test)
        self.patch.setattr(TestCase, "captureOnCommitCallbacks", staticmethod(captured))

    def disconnect(self) -> None:
        self.patch.undo()
