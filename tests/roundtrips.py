"""How many times the client waited for PostgreSQL, read from libpq's own protocol trace."""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def counting_round_trips() -> Iterator[list[int]]:
    """Yields a list whose one item becomes, at the end of the block, the number of round trips.

    A round trip is a turn of the conversation: messages sent by the client (F in the trace),
    then the server's answer (B). Statements sent together in pipeline mode make one turn.
    """
    from psycopg import pq

    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    count = [0]
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as trace:
        pgconn.trace(trace.fileno())  # libpq flushes it at untrace, and never touches it again
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
        try:
            yield count
        finally:
            pgconn.untrace()
            trace.seek(0)
            count[0] = turns(trace.read())


def turns(trace: str) -> int:
    """Each F message that follows a B message (or opens the trace) starts a round trip."""
    previous, total = "B", 0
    for line in trace.splitlines():
        side = line.split("\t", 1)[0]
        if side == "F" and previous == "B":
            total += 1
        if side in {"F", "B"}:
            previous = side
    return total
