"""A web process's cache of the identities of logged-in users, so that a session's requests (a
live page's callbacks, every few seconds on a wall screen) cost no store statement each.

An identity is used only for a session of the same epoch. Every change that must end a user's
sessions (disabling, a new password, a forced reset) raises the user's epoch in the store and
deletes the user's sessions from Redis at once (`data.sessions.SessionStore.end_user_sessions`,
done by `kup-console user ...` and the password page): from the next request on, in every web
process and for every copy of the cookie, there is no session left to look up, so a cached
identity is never reached. A new login carries the new epoch, which no cached identity matches.
`max_age_s` bounds the one case Redis does not cover: a change made while Redis was unreachable
(the command then warns that the sessions were not deleted), after which the store is read again
and the raised epoch ends the session.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from data.users import UserInfo

DEFAULT_MAX_AGE_S = 30.0


class IdentityCache:
    """User id -> (identity as read from the store, when it was read)."""

    def __init__(
        self, max_age_s: float = DEFAULT_MAX_AGE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._entries: dict[int, tuple[UserInfo, float]] = {}
        self._lock = threading.Lock()

    def get(self, user_id: int, epoch: object) -> UserInfo | None:
        """The cached identity of `user_id` if it was read for a session of `epoch` less than
        `max_age_s` ago; None otherwise (the caller reads the store and `put`s it)."""
        with self._lock:
            entry = self._entries.get(user_id)
        if entry is None:
            return None
        info, read_at = entry
        if info.session_epoch != epoch or self._clock() - read_at >= self.max_age_s:
            return None
        return info

    def put(self, info: UserInfo) -> None:
        """Remember an enabled user's identity as just read from the store."""
        with self._lock:
            self._entries[info.id] = (info, self._clock())

    def forget(self, user_id: int) -> None:
        """Drop the user's identity (their session ended here: a logout)."""
        with self._lock:
            self._entries.pop(user_id, None)
