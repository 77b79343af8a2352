"""Failed logins counted in Redis by (account, client address), with growing delays, so that
failures from one address never lock the account for the others; and a cap on failures across
the console against password spraying. Every web process shares the counts.

* A pair (account name as typed, address) may fail PAIR_FREE times; then each further attempt
  waits 1 s, 2 s, 4 s ... (doubling with every failure, at most MAX_DELAY_S) after its last
  failure. Attempts made while waiting are refused without checking the password, and do not
  count.
* An address that has logged in to the account before (within KNOWN_FOR_S) is known. Addresses
  that are not also wait on the account's failures from all addresses (ACCOUNT_FREE, then the
  same doubling), to which each address adds only its first PAIR_FREE: an attack from many
  addresses slows down, while one address alone never makes another wait, and the account's
  own users (known addresses) never wait on others' failures.
* Beyond `spray_limit` failures a minute across the console, addresses not known to the
  account they try wait for the next minute.

A failure is forgotten FORGET_AFTER_S after the last one of its pair (or account). Names that
are no account are counted just the same: the throttle tells nobody which accounts exist.

Keys under the console's namespace: `login:<account>` (hash: `n:<address>`/`t:<address>` the
pair's failures and the time of its last, `N`/`T` the account's), `login-known:<account>` (set
of addresses), `login-accounts` (sorted set: accounts by their last failure, for listing),
`login-failures:<minute>` (the console's failures in that minute).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import redis

PAIR_FREE = 3
ACCOUNT_FREE = 10
BASE_DELAY_S = 1.0
MAX_DELAY_S = 15 * 60.0
FORGET_AFTER_S = 24 * 3600
KNOWN_FOR_S = 90 * 24 * 3600
DEFAULT_SPRAY_LIMIT = 100
ACCOUNT = "*"  # the account's own count, in `Throttle.address` (no address is "*")

# Count one failure of a pair, and of its account while the pair has no more than PAIR_FREE (a
# count whose last failure is forgotten starts again); list the account; count the minute's.
_FAILED = """
local now, forget = tonumber(ARGV[2]), tonumber(ARGV[3])
local function bump(n, t)
  local last = tonumber(redis.call('hget', KEYS[1], t) or '0')
  if now - last > forget then redis.call('hset', KEYS[1], n, 0) end
  redis.call('hset', KEYS[1], t, ARGV[2])
  return redis.call('hincrby', KEYS[1], n, 1)
end
if bump('n:' .. ARGV[1], 't:' .. ARGV[1]) <= tonumber(ARGV[5]) then bump('N', 'T') end
redis.call('expire', KEYS[1], forget)
redis.call('zadd', KEYS[2], now, ARGV[4])
redis.call('zremrangebyscore', KEYS[2], '-inf', now - forget)
redis.call('incr', KEYS[3])
redis.call('expire', KEYS[3], 120)
return 1
"""


def delay_after(failures: int, free: int) -> float:
    """Seconds to wait after the last of `failures` failures when `free` are allowed without
    any: none below `free`, then 1 s doubling with each failure, at most MAX_DELAY_S."""
    if failures < free:
        return 0.0
    return min(MAX_DELAY_S, BASE_DELAY_S * 2.0 ** min(failures - free, 30))


@dataclass(frozen=True)
class Refusal:
    """Why an attempt must wait ("address": its pair's failures; "account": the account's
    failures from addresses it does not know; "spray": the console's failures this minute) and
    for how many seconds."""

    reason: str
    wait: float

    @property
    def retry_after(self) -> int:
        """Whole seconds, for a Retry-After header."""
        return max(1, math.ceil(self.wait))


@dataclass(frozen=True)
class Throttle:
    """Failures remembered for an account from one address (or, with `address` ACCOUNT, from
    every address not known to it), and until when the next attempt waits (epoch seconds)."""

    account: str
    address: str
    failures: int
    last_failure: float
    until: float

    def waiting(self, now: float) -> bool:
        return self.until > now


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _number(value: object) -> float:
    try:
        return float(_text(value)) if isinstance(value, (bytes, str)) else 0.0
    except ValueError:
        return 0.0


class LoginThrottle:
    """The login throttle of one console (its `namespace`, the stream's name) in Redis."""

    def __init__(
        self, client: redis.Redis, namespace: str, spray_limit: int = DEFAULT_SPRAY_LIMIT
    ) -> None:
        self.client = client
        self.namespace = namespace
        self.spray_limit = spray_limit
        self._failed = client.register_script(_FAILED)

    def _key(self, account: str) -> str:
        return f"{self.namespace}:login:{account}"

    def _known_key(self, account: str) -> str:
        return f"{self.namespace}:login-known:{account}"

    @property
    def _accounts_key(self) -> str:
        return f"{self.namespace}:login-accounts"

    def _minute_key(self, now: float) -> str:
        return f"{self.namespace}:login-failures:{int(now // 60)}"

    def check(self, account: str, address: str, now: float) -> Refusal | None:
        """Whether `address` may try a password for `account` now; the refusal if not."""
        with self.client.pipeline(transaction=False) as pipe:
            pipe.hmget(self._key(account), [f"n:{address}", f"t:{address}", "N", "T"])
            pipe.sismember(self._known_key(account), address)
            pipe.get(self._minute_key(now))
            (pair_n, pair_t, account_n, account_t), known, minute = pipe.execute()
        pair_wait = self._until(pair_n, pair_t, PAIR_FREE, now) - now
        if pair_wait > 0:
            return Refusal("address", pair_wait)
        if known:
            return None
        account_wait = self._until(account_n, account_t, ACCOUNT_FREE, now) - now
        if account_wait > 0:
            return Refusal("account", account_wait)
        if _number(minute) >= self.spray_limit:
            return Refusal("spray", 60.0 - now % 60.0)
        return None

    @staticmethod
    def _until(failures: object, last: object, free: int, now: float) -> float:
        """When a count of `failures`, the last at `last`, lets the next attempt through."""
        at = _number(last)
        if now - at > FORGET_AFTER_S:
            return 0.0
        return at + delay_after(int(_number(failures)), free)

    def failed(self, account: str, address: str, now: float) -> None:
        """Count a failed attempt (a wrong password, an unknown or disabled account)."""
        self._failed(
            keys=[self._key(account), self._accounts_key, self._minute_key(now)],
            args=[address, repr(now), FORGET_AFTER_S, account, PAIR_FREE],
        )

    def succeeded(self, account: str, address: str) -> None:
        """A login succeeded: the pair's failures are forgotten and the address is known to the
        account from now on (the account's count is not: an attack on it may go on)."""
        with self.client.pipeline() as pipe:
            pipe.hdel(self._key(account), f"n:{address}", f"t:{address}")
            pipe.sadd(self._known_key(account), address)
            pipe.expire(self._known_key(account), KNOWN_FOR_S)
            pipe.execute()

    def clear(self, account: str, address: str | None = None) -> None:
        """Forget the failures of an account from `address`, or all of them (an admin's
        unlock)."""
        with self.client.pipeline() as pipe:
            if address is None:
                pipe.delete(self._key(account))
                pipe.zrem(self._accounts_key, account)
            else:
                pipe.hdel(self._key(account), f"n:{address}", f"t:{address}")
            pipe.execute()

    def throttles(self, now: float, accounts: list[str] | None = None) -> list[Throttle]:
        """The failures remembered, of `accounts` or of every name tried: each pair's and, as
        address ACCOUNT, each account's; by account, then address."""
        if accounts is None:
            found = self.client.zrangebyscore(self._accounts_key, now - FORGET_AFTER_S, "+inf")
            names = found if isinstance(found, list) else []
            accounts = sorted(_text(a) for a in names if isinstance(a, (bytes, str)))
        out: list[Throttle] = []
        for account in accounts:
            fields = self.client.hgetall(self._key(account))
            values = {_text(k): v for k, v in fields.items()} if isinstance(fields, dict) else {}
            for field, count in values.items():
                if field == "N":
                    address, free, last = ACCOUNT, ACCOUNT_FREE, values.get("T")
                elif field.startswith("n:"):
                    address, free = field[2:], PAIR_FREE
                    last = values.get(f"t:{address}")
                else:
                    continue
                at, failures = _number(last), int(_number(count))
                if failures and now - at <= FORGET_AFTER_S:
                    until = at + delay_after(failures, free)
                    out.append(Throttle(account, address, failures, at, until))
        return sorted(out, key=lambda t: (t.account, t.address != ACCOUNT, t.address))

    def failures_this_minute(self, now: float) -> int:
        """The console's failed logins in the current minute (against `spray_limit`)."""
        return int(_number(self.client.get(self._minute_key(now))))
