"""Web sessions kept in Redis, so that ending one ends it for every copy of its cookie and in
every web process.

A session is a random 256-bit id (the cookie's value) and a record under
`<namespace>:session:<sha256 of the id>` (whoever reads Redis learns no usable cookie). The
record's time to live is its idle timeout, renewed by each request, capped by its absolute end:
Redis drops it when either passes. The sessions of a logged-in user are also listed in
`<namespace>:user-sessions:<user id>`, so that all of them end at once (user disabled, password
changed). A session that has ended is never written again (`save` writes only one that still
exists). The record's contents are the web layer's, as text.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace

import redis

# SET the new session unless its id is taken; list it under its user, forgetting the entries of
# sessions that have ended; keep the list as long as its longest-lived session.
_CREATE = """
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if #KEYS == 2 then
  for _, key in ipairs(redis.call('smembers', KEYS[2])) do
    if redis.call('exists', key) == 0 then redis.call('srem', KEYS[2], key) end
  end
  redis.call('sadd', KEYS[2], KEYS[1])
  if redis.call('pttl', KEYS[2]) < tonumber(ARGV[3]) then
    redis.call('pexpire', KEYS[2], ARGV[3])
  end
end
return 1
"""
# Delete every session listed under a user, and the list.
_END_ALL = """
local keys = redis.call('smembers', KEYS[1])
local ended = 0
for _, key in ipairs(keys) do ended = ended + redis.call('del', key) end
redis.call('del', KEYS[1])
return ended
"""


def new_session_id() -> str:
    """A fresh session id: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class SessionRecord:
    """What Redis keeps of a session: its contents (the web layer's text), its user (None
    before a login), when it began and must end at the latest, and its idle timeout."""

    data: str
    user_id: int | None
    created: float  # epoch seconds
    expires: float  # epoch seconds: the absolute end
    idle: float  # seconds without a request after which it ends

    def ttl_ms(self, now: float) -> int:
        """How long Redis keeps it after a request at `now` (0: it has ended)."""
        return max(0, int(min(self.idle, self.expires - now) * 1000))

    def dumps(self) -> str:
        return json.dumps(
            {
                "d": self.data,
                "u": self.user_id,
                "c": self.created,
                "e": self.expires,
                "i": self.idle,
            }
        )

    @classmethod
    def loads(cls, raw: bytes | str) -> SessionRecord | None:
        """The record stored as `raw`, or None for anything else."""
        try:
            value = json.loads(raw)
            record = cls(
                data=str(value["d"]),
                user_id=None if value["u"] is None else int(value["u"]),
                created=float(value["c"]),
                expires=float(value["e"]),
                idle=float(value["i"]),
            )
        except (ValueError, TypeError, KeyError):
            return None
        return record

    def with_data(self, data: str) -> SessionRecord:
        return replace(self, data=data)


class SessionStore:
    """The sessions of one console (its `namespace`, the stream's name) in Redis."""

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self.client = client
        self.namespace = namespace
        self._create = client.register_script(_CREATE)
        self._end_all = client.register_script(_END_ALL)

    def key(self, session_id: str) -> str:
        """The Redis key of a session (its id hashed)."""
        digest = hashlib.sha256(session_id.encode("utf-8")).hexdigest()
        return f"{self.namespace}:session:{digest}"

    def user_key(self, user_id: int) -> str:
        return f"{self.namespace}:user-sessions:{user_id}"

    def load(self, session_id: str, now: float) -> SessionRecord | None:
        """The session with this id, if it has not ended."""
        if not session_id or len(session_id) > 128:
            return None
        raw = self.client.get(self.key(session_id))
        record = SessionRecord.loads(raw) if isinstance(raw, (bytes, str)) else None
        return record if record is not None and record.ttl_ms(now) > 0 else None

    def create(self, record: SessionRecord, now: float) -> str | None:
        """Store a new session; its id (None if it would end at once)."""
        ttl = record.ttl_ms(now)
        if ttl <= 0:
            return None
        while True:
            session_id = new_session_id()
            keys = [self.key(session_id)]
            if record.user_id is not None:
                keys.append(self.user_key(record.user_id))
            lifetime = max(ttl, int((record.expires - now) * 1000))
            if self._create(keys=keys, args=[record.dumps(), ttl, lifetime]):
                return session_id

    def save(self, session_id: str, record: SessionRecord, now: float) -> bool:
        """Write a session's new contents and renew its idle timeout, if it still exists (an
        ended session is not revived by a request that was under way when it ended)."""
        ttl = record.ttl_ms(now)
        if ttl <= 0:
            self.delete(session_id, record.user_id)
            return False
        return bool(self.client.set(self.key(session_id), record.dumps(), xx=True, px=ttl))

    def touch(self, session_id: str, record: SessionRecord, now: float) -> bool:
        """Renew a session's idle timeout (after a request that changed nothing in it)."""
        ttl = record.ttl_ms(now)
        if ttl <= 0:
            self.delete(session_id, record.user_id)
            return False
        return bool(self.client.pexpire(self.key(session_id), ttl))

    def delete(self, session_id: str, user_id: int | None = None) -> None:
        """End one session (logout)."""
        key = self.key(session_id)
        with self.client.pipeline() as pipe:
            pipe.delete(key)
            if user_id is not None:
                pipe.srem(self.user_key(user_id), key)
            pipe.execute()

    def identities_generation(self) -> bytes:
        """The identities' generation: a random value that `renew_identities` replaces (set
        on first use; a Redis that lost its data starts a new one)."""
        key = f"{self.namespace}:identities"
        value = self.client.get(key)
        if value is None:
            self.client.set(key, secrets.token_hex(16), nx=True)
            value = self.client.get(key)
        return value if isinstance(value, bytes) else str(value).encode()

    def renew_identities(self) -> None:
        """Void every identity a web process has cached for an API token (a user disabled, a
        token replaced)."""
        self.client.set(f"{self.namespace}:identities", secrets.token_hex(16))

    def end_user_sessions(self, user_id: int) -> int:
        """End every session of the user, and renew the identities' generation (their cached
        identity and their sockets are checked again at once); how many sessions there were."""
        self.renew_identities()
        return int(self._end_all(keys=[self.user_key(user_id)]))

    def count_user_sessions(self, user_id: int) -> int:
        """How many sessions of the user have not ended."""
        members = self.client.smembers(self.user_key(user_id))
        return sum(self.alive(sorted(members))) if isinstance(members, set) else 0

    def alive(self, keys: Sequence[str | bytes]) -> list[bool]:
        """For each session key, whether that session still exists (one round trip)."""
        if not keys:
            return []
        with self.client.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.exists(key)
            return [bool(n) for n in pipe.execute()]
