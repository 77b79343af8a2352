"""A web process's cache of the identities of logged-in users and API token holders, so that
their requests (a live page's callbacks, every few seconds on a wall screen) cost no store
statement each.

An identity is kept with a stamp and used only while the stamp still holds. For a session the
stamp is the user's session epoch. Every change that must end a user's
sessions (disabling, a new password, a forced reset) raises the user's epoch in the store and
deletes the user's sessions from Redis at once (`data.sessions.SessionStore.end_user_sessions`,
done by `kup-console user ...` and the password page): from the next request on, in every web
process and for every copy of the cookie, there is no session left to look up, so a cached
identity is never reached. A new login carries the new epoch, which no cached identity matches.
For an API token the stamp is the identities' generation in Redis
(`data.sessions.SessionStore.identities_generation`), which every command that disables a user
or replaces a token renews: each web process sees the new generation on the token's next
request. `max_age_s` bounds the one case Redis does not cover: a change made while Redis was
unreachable (the command then warns), after which the store is read again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable

from data.users import UserInfo

DEFAULT_MAX_AGE_S = 30.0


class IdentityCache:
    """Key (a user id, a token's digest) -> (identity as read from the store, its stamp, when
    it was read)."""

    def __init__(
        self, max_age_s: float = DEFAULT_MAX_AGE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_age_s = max_age_s
        self._clock = clock
        self._entries: dict[Hashable, tuple[UserInfo, object, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: object) -> UserInfo | None:
        """The identity cached under `key` if it was read with this `stamp` less than
        `max_age_s` ago; None otherwise (the caller reads the store and `put`s it)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None:
            return None
        info, stamped, read_at = entry
        if stamped != stamp or self._clock() - read_at >= self.max_age_s:
            return None
        return info

    def put(self, key: Hashable, info: UserInfo, stamp: object) -> None:
        """Remember an enabled user's identity as just read from the store, with its stamp."""
        with self._lock:
            self._entries[key] = (info, stamp, self._clock())

    def forget(self, key: Hashable) -> None:
        """Drop an identity (its session ended here: a logout)."""
        with self._lock:
            self._entries.pop(key, None)
