"""`kup-console check`: a preflight an operator runs before (and after) starting the services.

It tells, one line each, whether the secret key is set, the store answers and is at this
version's schema, Redis answers with persistence on, the stream and the console's consumer
group exist, and this machine's clock and time zone are right; exit 1 if anything is wrong
(warnings alone exit 0). It changes nothing.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfoNotFoundError

from sqlalchemy.exc import SQLAlchemyError

from console.config import Settings, load_settings, mask_url
from console.runtime import Services
from data.preflight import RedisFacts, StoreFacts, redis_facts, store_facts
from rules.clock import DEFAULT_TZ, local, zone

Verdict = Literal["ok", "warning", "problem"]
MAX_CLOCK_SKEW = timedelta(seconds=2)
MARKS = {"ok": "ok     ", "warning": "warning", "problem": "PROBLEM"}


@dataclass(frozen=True)
class Finding:
    """One line of the report: what was checked, its verdict and what was found (or what to do)."""

    topic: str
    verdict: Verdict
    words: str


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="preflight: secret key, store and schema, Redis and its persistence, stream and "
        "group, clock and time zone (exit 1 if something is wrong; changes nothing)",
    )
    p.set_defaults(handler=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    settings = load_settings()
    findings = list(preflight(settings))
    for finding in findings:
        print(f"{MARKS[finding.verdict]}  {finding.topic}: {finding.words}")
    problems = sum(f.verdict == "problem" for f in findings)
    warnings = sum(f.verdict == "warning" for f in findings)
    if problems:
        print(f"\n{problems} problem(s), {warnings} warning(s): fix the problems before serving.")
        return 1
    print(f"\nready to serve ({warnings} warning(s)).")
    return 0


def preflight(settings: Settings, now: datetime | None = None) -> Iterator[Finding]:
    """The findings for `settings`, in the order an operator fixes them."""
    now = now or datetime.now(UTC)
    yield secret_key_finding(settings)
    try:
        engine = Services(settings).engine
    except (SQLAlchemyError, ImportError, ValueError) as exc:  # a URL it cannot use
        store = StoreFacts(error=f"{type(exc).__name__}: {exc}")
    else:
        store = store_facts(engine)
    yield store_finding(settings, store)
    if not settings.redis_url:
        yield Finding(
            "Redis",
            "problem",
            "REDIS_URL is not set: that is the demo's embedded server, not for production. "
            "Set REDIS_URL to your Redis server (with AOF persistence).",
        )
        facts = None
    else:
        facts = redis_facts(settings.redis_url, settings.stream, settings.group)
        yield from redis_findings(settings, facts)
    yield from clock_findings(settings, now, store, facts)


def secret_key_finding(settings: Settings) -> Finding:
    from console.web.app import MIN_SECRET_LENGTH

    if not settings.secret_key:
        return Finding(
            "secret key",
            "problem",
            "KUP_SECRET_KEY is not set; the web console will not start. Set it to a long random "
            "value (python -c 'import secrets; print(secrets.token_urlsafe(32))'), the same "
            "in every web process.",
        )
    if len(settings.secret_key) < MIN_SECRET_LENGTH:
        return Finding(
            "secret key",
            "problem",
            f"KUP_SECRET_KEY has {len(settings.secret_key)} characters; it needs at least "
            f"{MIN_SECRET_LENGTH}.",
        )
    return Finding("secret key", "ok", "set")


def store_finding(settings: Settings, store: StoreFacts) -> Finding:
    where = mask_url(settings.effective_database_url)
    if store.error is not None or store.schema is None:
        return Finding("store", "problem", f"{where} does not answer ({store.error}).")
    schema = store.schema
    if schema.state == "current":
        return Finding("store", "ok", f"{where} answers, schema at revision {schema.head}")
    if schema.state == "empty":
        advice = "has no schema yet: run `kup-console db upgrade`."
    elif schema.state == "behind":
        advice = (
            f"is at schema revision {schema.current}, this version needs {schema.head}: "
            "run `kup-console db upgrade`."
        )
    else:
        advice = (
            f"is at schema revision {schema.current}, newer than this version's "
            f"({schema.head}): run the newer kup-console."
        )
    return Finding("store", "problem", f"{where} {advice}")


def redis_findings(settings: Settings, facts: RedisFacts) -> Iterator[Finding]:
    where = mask_url(settings.redis_url)
    if facts.error is not None:
        yield Finding("Redis", "problem", f"{where} does not answer ({facts.error}).")
        return
    yield Finding("Redis", "ok", f"{where} answers (Redis {facts.version})")
    if facts.aof:
        yield Finding("Redis persistence", "ok", "AOF is on")
    elif facts.rdb_rule:
        yield Finding(
            "Redis persistence",
            "warning",
            f"only RDB snapshots ({facts.rdb_rule}): a crash loses the events since the last "
            "snapshot. Turn AOF on (appendonly yes).",
        )
    else:
        yield Finding(
            "Redis persistence",
            "problem",
            "none (no AOF, no RDB snapshots): a restart of Redis loses the stream. "
            "Set appendonly yes.",
        )
    if not facts.stream_exists:
        yield Finding(
            "stream",
            "problem",
            f"{settings.stream} does not exist: is the registry publishing to this Redis, "
            "and is KUP_STREAM its name?",
        )
    elif not facts.group_exists:
        yield Finding(
            "consumer group",
            "problem",
            f"{settings.group} does not exist on {settings.stream}: start `kup-console ingest` "
            "once (it creates the group at the start of the stream).",
        )
    else:
        yield Finding("stream", "ok", f"{settings.stream} with the group {settings.group}")


def clock_findings(
    settings: Settings, now: datetime, store: StoreFacts, facts: RedisFacts | None
) -> Iterator[Finding]:
    try:
        tz = zone(settings.tz)
    except (ZoneInfoNotFoundError, ValueError):
        yield Finding("time zone", "problem", f"KUP_TZ={settings.tz} is not a known time zone.")
        return
    shown = local(now, tz).strftime("%Y-%m-%d %H:%M:%S %z")
    if settings.tz != DEFAULT_TZ:
        yield Finding(
            "time zone",
            "warning",
            f"{settings.tz} (local time {shown}); the register's deadlines are in {DEFAULT_TZ}.",
        )
    else:
        yield Finding("time zone", "ok", f"{settings.tz}, local time {shown}")
    skews = (("Redis", facts.clock_skew if facts else None), ("database", store.clock_skew))
    for name, clock_skew in skews:
        if clock_skew is None:
            continue
        skew = abs(clock_skew)
        if skew > MAX_CLOCK_SKEW:
            yield Finding(
                "clock",
                "problem",
                f"this machine's clock and the {name} server's differ by "
                f"{skew.total_seconds():.1f} s (at most {MAX_CLOCK_SKEW.seconds} s): "
                "synchronise the clocks (NTP).",
            )
        else:
            yield Finding("clock", "ok", f"agrees with the {name} server's")
