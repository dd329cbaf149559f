"""Who is signed in: Django's database sessions, read with the user's row in one query.

Sessions live in the database, so logging out revokes them. Each row also records whose session it
is (`accounts.Session.user`), so loading a session reads the user's row with it
(`select_related`), and `UserBackend.get_user` takes that row instead of querying again. Django's
own `get_user` still decides: it compares the session's password hash with the row's and checks
the account is active.
"""

from contextvars import ContextVar
from typing import Any

from django.contrib.auth import SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.utils import timezone

from pollen.accounts.models import Session, User

# The user row read with the session this thread loaded last; get_user takes it (once).
_loaded_user: ContextVar[User | None] = ContextVar("loaded_user", default=None)


class SessionStore(db.SessionStore):
    """Database sessions (revocable at logout), loaded with their user."""

    @classmethod
    def get_model_class(cls) -> type[Session]:
        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session = super().create_model_instance(data)
        assert isinstance(session, Session)
        user_id = data.get(SESSION_KEY)
        session.user_id = User._meta.pk.to_python(user_id) if user_id else None
        return session

    def _get_session_from_db(self) -> Session | None:
        session = (
            Session.objects.select_related("user")
            .filter(session_key=self.session_key, expire_date__gt=timezone.now())
            .first()
        )
        _loaded_user.set(session.user if session is not None else None)
        if session is None:
            self._session_key = None  # as Django's own store: expired or unknown, start anew
        return session


class UserBackend(ModelBackend):
    """Django's email-and-password backend; the signed-in user comes with the session's row."""

    def get_user(self, user_id: Any) -> User | None:
        user = _loaded_user.get()
        _loaded_user.set(None)  # taken once: another request loads its own session first
        if user is None or str(user.pk) != str(user_id):
            return super().get_user(user_id)
        return user if self.user_can_authenticate(user) else None
