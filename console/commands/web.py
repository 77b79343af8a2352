"""Web commands: serve, user add|list|set|passwd|disable|enable|unlock|token, audit verify.

The user commands run in a process of their own: what the web processes must learn at once they
learn through the store (a user's session epoch, checked on every request and by each process's
socket guard) and Redis (the sessions, deleted; the login throttle's counts)."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import redis

from components.i18n import t
from console.config import Settings
from console.runtime import Services, store_services
from data import audit, audit_anchors, login_throttle, users
from rules import passwords
from rules.access import ROLES

if TYPE_CHECKING:
    from data.login_throttle import LoginThrottle, Throttle
    from data.sessions import SessionStore


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the web console (needs KUP_SECRET_KEY)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every one)",
    )
    p.add_argument("--port", type=int, default=8050, help="TCP port to listen on (default 8050)")
    p.add_argument(
        "--workers",
        type=int,
        help="worker processes (default: KUP_WEB_WORKERS, else one per CPU); "
        "0: one process, no fork, as the demo serves",
    )
    p.add_argument(
        "--threads",
        type=int,
        help="threads per worker: its open pages hold one each "
        f"(default: KUP_WEB_THREADS, else {Settings.web_threads})",
    )
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("user", help="console users")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("add", help="create a user")
    _name_argument(a)
    a.add_argument("--role", required=True, choices=ROLES, help="what the user may see and do")
    a.add_argument("--region", help="ISO 3166-2 code (e.g. KG-O): sees only that region")
    a.add_argument("--password", help="(default: asked for, not echoed)")
    _idle_argument(a)
    a.set_defaults(handler=cmd_user_add)
    a = actions.add_parser(
        "list", help="list users, their open sessions and the failed logins remembered"
    )
    a.set_defaults(handler=cmd_user_list)
    a = actions.add_parser("set", help="change a user's settings")
    _name_argument(a)
    _idle_argument(a, required=True)
    a.set_defaults(handler=cmd_user_set)
    a = actions.add_parser(
        "passwd", help="set a user's password, or --force-reset: a new one at the next login"
    )
    _name_argument(a)
    how = a.add_mutually_exclusive_group()
    how.add_argument("--password", help="(default: asked for twice, not echoed)")
    how.add_argument(
        "--force-reset",
        action="store_true",
        help="make the user set a new password after the next login, before anything else",
    )
    a.set_defaults(handler=cmd_user_passwd)
    a = actions.add_parser(
        "disable", help="disable a user: end their sessions, revoke their API token"
    )
    _name_argument(a)
    a.set_defaults(handler=cmd_user_disable)
    a = actions.add_parser(
        "enable", help="enable a user again (no old session revives; forgets failed logins)"
    )
    _name_argument(a)
    a.set_defaults(handler=cmd_user_enable)
    a = actions.add_parser(
        "unlock", help="forget the failed logins of an account name (from one address or all)"
    )
    _name_argument(a)
    a.add_argument("--address", help="only those from this client address")
    a.set_defaults(handler=cmd_user_unlock)
    a = actions.add_parser("token", help="issue a new API token (printed once)")
    _name_argument(a)
    a.set_defaults(handler=cmd_user_token)

    p = sub.add_parser("audit", help="the audit log")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser(
        "verify",
        help="check the hash chain and its anchors (Redis stream, anchor file); exit 1 if "
        "tampered, 3 if the anchors could not be read or (--require-anchors) there are none",
    )
    a.add_argument(
        "--require-anchors",
        action="store_true",
        help="fail (exit 3) when no anchor is found, instead of warning",
    )
    a.set_defaults(handler=cmd_audit_verify)


def cmd_serve(args: argparse.Namespace) -> int:
    from console.web.server import serve, worker_processes

    services = Services.from_env()
    workers = worker_processes(
        args.workers if args.workers is not None else services.settings.web_workers
    )
    serve(services, host=args.host, port=args.port, workers=workers, threads=args.threads)
    return 0


def _ask_password() -> str:
    if not sys.stdin.isatty():
        raise ValueError("no --password given and no terminal to ask on")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat: "):
        raise ValueError("the passwords differ")
    return first


def _idle_minutes(value: str) -> int | None:
    """--idle-minutes: whole minutes, or "default" for the console's idle timeout."""
    if value.strip().lower() == "default":
        return None
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("whole minutes, or 'default'") from None


def _name_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the user's login name")


def _idle_argument(parser: argparse.ArgumentParser, required: bool = False) -> None:
    parser.add_argument(
        "--idle-minutes",
        type=_idle_minutes,
        required=required,
        metavar="N|default",
        help="the user's own idle timeout, e.g. for a wall screen's account (default: the "
        "console's, KUP_SESSION_IDLE_MINUTES); sessions opened from then on use it",
    )


def _redis_trouble(exc: Exception, what: str) -> None:
    print(f"warning: Redis unreachable ({type(exc).__name__}): {what}", file=sys.stderr)


def _end_sessions(services: Services, info: users.UserInfo) -> None:
    """Delete the user's sessions from Redis (the epoch the caller raised voids them anyway;
    this ends them at once, and their sockets with them)."""
    try:
        ended = _session_store(services).end_user_sessions(info.id)
    except (redis.RedisError, OSError) as exc:
        _redis_trouble(
            exc,
            "sessions not deleted; they end when a web process next reads the user (within 30 s)",
        )
        return
    print(f"{ended} open session(s) of {info.username} ended")


# (console.web is imported when a command needs it: the others start without Flask.)
def _session_store(services: Services) -> SessionStore:
    from console.web.sessions import session_store

    return session_store(services)


def _login_throttle(services: Services) -> LoginThrottle:
    from console.web.sessions import login_throttle

    return login_throttle(services)


def cmd_user_add(args: argparse.Namespace) -> int:
    password = args.password if args.password is not None else _ask_password()
    try:
        with store_services().writer.begin() as s:
            info = users.add_user(
                s, args.name, password, args.role, args.region, idle_minutes=args.idle_minutes
            )
            audit.record(
                s,
                "cli",
                "user_add",
                info.username,
                {"role": info.role, "region": info.region, "idle_minutes": info.idle_minutes},
            )
    except users.PasswordRefused as refused:
        raise _refusal_words(refused) from None
    print(f"user {info.username} added ({info.role}, {info.region or 'whole country'})")
    return 0


def _refusal_words(refused: users.PasswordRefused) -> ValueError:
    """The CLI's message for a refused password (the words of components.i18n, in English)."""
    words = t(f"password.{refused.code}", "en", min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH)
    return ValueError(words)


def cmd_user_set(args: argparse.Namespace) -> int:
    with store_services().writer.begin() as s:
        info = users.set_idle_minutes(s, args.name, args.idle_minutes)
        audit.record(s, "cli", "user_set", info.username, {"idle_minutes": info.idle_minutes})
    idle = f"{info.idle_minutes} minutes" if info.idle_minutes else "the console's"
    print(f"user {info.username}: idle timeout {idle} (from their next login)")
    return 0


def cmd_user_passwd(args: argparse.Namespace) -> int:
    services = store_services()
    if args.force_reset:
        with services.writer.begin() as s:
            info = users.force_reset(s, args.name)
            audit.record(s, "cli", "password_reset_forced", args.name, {})
        print(f"user {args.name} must set a new password after the next login")
        _end_sessions(services, info)
        return 0
    with services.sessions() as s:
        if users.find_user(s, args.name) is None:
            raise LookupError(f"no user {args.name!r}")
    password = args.password if args.password is not None else _ask_password()
    try:
        with services.writer.begin() as s:
            info = users.set_password(s, args.name, password)
            audit.record(s, "cli", "password_change", args.name, {"forced": False})
    except users.PasswordRefused as refused:
        raise _refusal_words(refused) from None
    print(f"password of {args.name} changed (their API token is kept)")
    _end_sessions(services, info)
    return 0


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _throttle_line(throttle: Throttle, now: float) -> str:
    source = (
        "from addresses it does not know"
        if throttle.address == login_throttle.ACCOUNT
        else f"from {throttle.address}"
    )
    wait = f"waits until {_when(throttle.until)}" if throttle.waiting(now) else "may try now"
    return (
        f"  {throttle.account} {source}: {throttle.failures} failed, "
        f"last {_when(throttle.last_failure)}; {wait}"
    )


def cmd_user_list(_: argparse.Namespace) -> int:
    services = store_services()
    with services.sessions() as s:
        rows = users.list_users(s)
    now = time.time()
    throttle = _login_throttle(services)
    try:
        throttles = throttle.throttles(now)
        failures_now = throttle.failures_this_minute(now)
        store = _session_store(services)
        open_sessions = {u.id: store.count_user_sessions(u.id) for u in rows}
    except (redis.RedisError, OSError) as exc:
        _redis_trouble(exc, "open sessions and failed logins not shown")
        throttles, failures_now, open_sessions = [], None, {}
    waiting = {t.account for t in throttles if t.waiting(now)}
    print(f"{'username':24} {'role':11} {'region':7} {'state':9} token idle     sessions")
    for u in rows:
        state = (
            "disabled"
            if u.disabled
            else "throttled"  # failed logins make some address wait (listed below)
            if u.username in waiting
            else "reset"  # must set a new password after the next login
            if u.must_change_password
            else "active"
        )
        idle = f"{u.idle_minutes}m" if u.idle_minutes else "-"
        print(
            f"{u.username:24} {u.role:11} {u.region or '-':7} {state:9} "
            f"{'yes' if u.has_token else 'no ':5} {idle:8} {open_sessions.get(u.id, '?')}"
        )
    if throttles:
        print("\nfailed logins remembered (`user unlock NAME` forgets them):")
        for line in throttles:
            print(_throttle_line(line, now))
    if failures_now:
        print(
            f"\nfailed logins this minute, all accounts: {failures_now} "
            f"(beyond {throttle.spray_limit}, addresses new to an account wait)"
        )
    return 0


def _set_disabled(name: str, disabled: bool) -> int:
    services = store_services()
    with services.writer.begin() as s:
        info = users.set_disabled(s, name, disabled)
        audit.record(s, "cli", "user_disable" if disabled else "user_enable", name, {})
    print(f"user {name} {'disabled' if disabled else 'enabled'}")
    if disabled:
        _end_sessions(services, info)
    else:
        _forget_failures(services, name)
    return 0


def _forget_failures(services: Services, name: str, address: str | None = None) -> bool:
    try:
        _login_throttle(services).clear(name, address)
    except (redis.RedisError, OSError) as exc:
        _redis_trouble(exc, "failed logins not forgotten")
        return False
    return True


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _set_disabled(args.name, True)


def cmd_user_enable(args: argparse.Namespace) -> int:
    return _set_disabled(args.name, False)


def cmd_user_unlock(args: argparse.Namespace) -> int:
    services = store_services()
    if not _forget_failures(services, args.name, args.address):
        return 1
    with services.writer.begin() as s:
        audit.record(s, "cli", "user_unlock", args.name, {"address": args.address or "*"})
    source = f"from {args.address}" if args.address else "from every address"
    print(f"failed logins of {args.name} {source} forgotten")
    return 0


def cmd_user_token(args: argparse.Namespace) -> int:
    services = store_services()
    with services.writer.begin() as s:
        token = users.issue_token(s, args.name)
        audit.record(s, "cli", "user_token", args.name, {})
    try:  # the old token's holders: refused at their next request, in every web process
        _session_store(services).renew_identities()
    except (redis.RedisError, OSError) as exc:
        _redis_trouble(exc, "web processes may accept the old token for up to 30 s")
    print(token)
    print(
        f"(API token of {args.name}; shown once, replaces any earlier one. Send it as "
        "'Authorization: Bearer <token>'.)",
        file=sys.stderr,
    )
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    services = store_services()
    anchors = services.anchor_log
    try:
        _ = services.redis_url  # the anchors are read: the embedded Redis started if none runs
    except RuntimeError as exc:
        print(f"audit anchors could not be read: {exc}", file=sys.stderr)
        return 3
    places = f"Redis stream {anchors.stream}" + (
        f" and file {anchors.path}" if anchors.path is not None else ""
    )
    try:
        with services.sessions() as s:
            result, check = audit_anchors.verify_all(s, anchors)
    except (redis.RedisError, OSError) as exc:
        print(f"audit anchors could not be read ({places}): {exc}", file=sys.stderr)
        return 3
    if not result.ok:
        print(
            f"audit log TAMPERED at entry {result.first_bad}: {result.reason} "
            f"({result.checked} entries before it check out)",
            file=sys.stderr,
        )
        return 1
    if not check.ok:
        print(
            f"audit log TAMPERED at entry {check.first_bad}: {check.reason} "
            f"(the chain itself checks out, {result.checked} entries: it was recomputed)",
            file=sys.stderr,
        )
        return 1
    print(f"audit log intact: {result.checked} entries")
    if check.newest is None:
        print(
            f"WARNING: no anchors in {places}: the chain is checked only against itself, and a "
            "rewrite of all of it would not be detected",
            file=sys.stderr,
        )
        return 3 if args.require_anchors else 0
    unanchored = (result.last_id or 0) - check.newest
    print(
        f"anchors agree: {check.count} anchors in {places}, the newest at entry {check.newest}"
        + (f" ({unanchored} newer entries not yet anchored)" if unanchored else "")
    )
    return 0
