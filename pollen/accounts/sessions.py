"""Who is signed in, read with two plain queries: every signed-in request pays for them."""

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from pollen import sql
from pollen.accounts.models import User


class SessionStore(db.SessionStore):
    """Database sessions (revocable at logout), loaded without building an ORM query."""

    def load(self) -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute(_session_sql(), [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's own store: expired or unknown, start anew
            return {}
        return self.decode(row[0])


class UserBackend(ModelBackend):
    """Django's email-and-password backend; the signed-in user is read by one plain query."""

    def get_user(self, user_id: Any) -> User | None:
        users = sql.select(User, "t.id = %s", [user_id])
        return users[0] if users and self.user_can_authenticate(users[0]) else None


@cache
def _session_sql() -> str:
    return (
        f"SELECT session_data FROM {sql.table(Session)} WHERE session_key = %s AND expire_date > %s"  # noqa: S608 - names from the model
    )
