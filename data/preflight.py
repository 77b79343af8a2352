"""Facts a preflight check needs about the store and Redis (`kup-console check` says them in
words): whether each answers, the store's schema, Redis's persistence, the stream and its
consumer group, and each server's clock. Nothing here changes anything."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError

from data import streams
from data.schema import SchemaStatus, schema_status
from rules.clock import from_epoch_ms, utc


@dataclass(frozen=True)
class StoreFacts:
    """The store as found: `error` (the exception's class and first line) if it did not answer;
    else its schema status and its clock (None where the database has no clock of its own,
    as SQLite, whose clock is this machine's): its clock minus this machine's."""

    error: str | None = None
    schema: SchemaStatus | None = None
    clock_skew: timedelta | None = None


@dataclass(frozen=True)
class RedisFacts:
    """Redis as found: `error` if it did not answer; its version; AOF on or not; the RDB
    snapshot rule (empty: none); whether the stream and the console's group exist; its clock
    minus this machine's."""

    error: str | None = None
    version: str = ""
    aof: bool = False
    rdb_rule: str = ""
    stream_exists: bool = False
    group_exists: bool = False
    clock_skew: timedelta | None = None


def _error(exc: BaseException) -> str:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line}"[:300]


def skew(read_clock: Callable[[], datetime]) -> timedelta:
    """How far a server's clock (what `read_clock` returns) is ahead of this machine's, taken
    against the middle of the round trip."""
    before = datetime.now(UTC)
    theirs = read_clock()
    after = datetime.now(UTC)
    return utc(theirs) - (before + (after - before) / 2)


def store_facts(engine: Engine) -> StoreFacts:
    """Connect to the store, read its schema status and (PostgreSQL) its clock."""
    try:
        status = schema_status(engine)
        clock_skew = None
        if engine.dialect.name != "sqlite":
            with engine.connect() as connection:
                clock_skew = skew(
                    lambda: connection.execute(select(func.clock_timestamp())).scalar_one()
                )
    except SQLAlchemyError as exc:
        return StoreFacts(error=_error(exc))
    return StoreFacts(schema=status, clock_skew=clock_skew)


def _persistence(client: redis.Redis) -> tuple[bool, str]:
    """(AOF on, RDB save rule) from CONFIG GET, or from INFO where CONFIG is refused (managed
    servers rename it)."""
    try:
        config = {_text(k): _text(v) for k, v in client.config_get("appendonly").items()}
        config.update({_text(k): _text(v) for k, v in client.config_get("save").items()})
        return config.get("appendonly") == "yes", config.get("save", "")
    except redis.ResponseError:
        info = client.info("persistence")
        return bool(int(info.get("aof_enabled", 0))), ""


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def redis_facts(url: str, stream: str, group: str) -> RedisFacts:
    """Connect to Redis at `url` and read its version, persistence, the stream's groups and
    its clock (a short timeout: a check must not hang on an unreachable server)."""
    client = streams.connect(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        version = _text(client.info("server").get("redis_version", ""))
        aof, rdb_rule = _persistence(client)
        clock_skew = skew(lambda: _server_time(client))
        stream_exists = bool(client.exists(stream))
        groups = client.xinfo_groups(stream) if stream_exists else []
    except (redis.RedisError, OSError) as exc:
        return RedisFacts(error=_error(exc))
    finally:
        client.close()
    return RedisFacts(
        version=version,
        aof=aof,
        rdb_rule=rdb_rule,
        stream_exists=stream_exists,
        group_exists=any(_text(_field(g, "name")) == group for g in groups),
        clock_skew=clock_skew,
    )


def _field(reply: Mapping[Any, Any], name: str) -> object:
    """A field of an XINFO reply, whose keys come as text or bytes by the client's options."""
    return reply.get(name, reply.get(name.encode(), ""))


def _server_time(client: redis.Redis) -> datetime:
    seconds, micros = client.time()
    return from_epoch_ms(int(seconds) * 1000 + int(micros) // 1000)
