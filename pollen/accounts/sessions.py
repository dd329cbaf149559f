"""Who is signed in, read with one plain query: every signed-in request pays for it.

Sessions live in the database, so logging out revokes them. Each row also records whose session it
is (`accounts.Session.user`), so loading a session reads the user's row with it, and
`UserBackend.get_user` takes that row instead of querying again. Django's own `get_user` still
decides: it compares the session's password hash with the row's and checks the account is active.
"""

from contextvars import ContextVar
from functools import cache
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.db import connection
from django.utils import timezone

from pollen import sql
from pollen.accounts.models import Session, User

# The user row read with the session this thread loaded last; get_user takes it (once).
_loaded_user: ContextVar[User | None] = ContextVar("loaded_user", default=None)


class SessionStore(db.SessionStore):
    """Database sessions (revocable at logout), loaded with their user without the ORM."""

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session = super().create_model_instance(data)
        assert isinstance(session, Session)
        user_id = data.get(SESSION_KEY)
        session.user_id = User._meta.pk.to_python(user_id) if user_id else None
        return session

    def load(self) -> dict[str, Any]:
        with connection.cursor() as cursor:
            cursor.execute(_session_sql(), [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            _loaded_user.set(None)
            self._session_key = None  # as Django's own store: expired or unknown, start anew
            return {}
        _loaded_user.set(sql.instance(User, row, 1)[0] if row[1] is not None else None)
        return self.decode(row[0])


class UserBackend(ModelBackend):
    """Django's email-and-password backend; the signed-in user comes with the session's row."""

    def get_user(self, user_id: Any) -> User | None:
        user = _loaded_user.get()
        _loaded_user.set(None)  # taken once: another request loads its own session first
        if user is None or str(user.pk) != str(user_id):
            users = sql.select(User, "t.id = %s", [user_id])
            user = users[0] if users else None
        return user if user is not None and self.user_can_authenticate(user) else None


@cache
def _session_sql() -> str:
    return (
        f"SELECT s.session_data, {sql.columns(User, 'u')} FROM {sql.table(Session)} s "  # noqa: S608 - names from the models
        f"LEFT JOIN {sql.table(User)} u ON u.id = s.user_id "
        "WHERE s.session_key = %s AND s.expire_date > %s"
    )
