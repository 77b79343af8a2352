"""Web commands: serve, user add|list|passwd|disable|enable|token, audit verify."""

from __future__ import annotations

import argparse
import getpass
import sys

from components.i18n import t
from console.config import Settings
from console.runtime import Services, store_services
from data import audit, users
from rules import passwords
from rules.access import ROLES


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the web console (needs KUP_SECRET_KEY)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8050)
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
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=ROLES)
    a.add_argument("--region", help="ISO 3166-2 code (e.g. KG-O): sees only that region")
    a.add_argument("--password", help="(default: asked for, not echoed)")
    a.set_defaults(handler=cmd_user_add)
    a = actions.add_parser("list", help="list users")
    a.set_defaults(handler=cmd_user_list)
    a = actions.add_parser(
        "passwd", help="set a user's password, or --force-reset: a new one at the next login"
    )
    a.add_argument("name")
    how = a.add_mutually_exclusive_group()
    how.add_argument("--password", help="(default: asked for twice, not echoed)")
    how.add_argument(
        "--force-reset",
        action="store_true",
        help="make the user set a new password after the next login, before anything else",
    )
    a.set_defaults(handler=cmd_user_passwd)
    a = actions.add_parser("disable", help="disable a user (and revoke their API token)")
    a.add_argument("name")
    a.set_defaults(handler=cmd_user_disable)
    a = actions.add_parser("enable", help="enable a user again (also lifts a lockout)")
    a.add_argument("name")
    a.set_defaults(handler=cmd_user_enable)
    a = actions.add_parser("token", help="issue a new API token (printed once)")
    a.add_argument("name")
    a.set_defaults(handler=cmd_user_token)

    p = sub.add_parser("audit", help="the audit log")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = actions.add_parser("verify", help="check the hash chain; non-zero exit if tampered")
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


def cmd_user_add(args: argparse.Namespace) -> int:
    password = args.password if args.password is not None else _ask_password()
    try:
        with store_services().writer.begin() as s:
            info = users.add_user(s, args.name, password, args.role, args.region)
            audit.record(
                s, "cli", "user_add", info.username, {"role": info.role, "region": info.region}
            )
    except users.PasswordRefused as refused:
        raise _refusal_words(refused) from None
    print(f"user {info.username} added ({info.role}, {info.region or 'whole country'})")
    return 0


def _refusal_words(refused: users.PasswordRefused) -> ValueError:
    """The CLI's message for a refused password (the words of components.i18n, in English)."""
    words = t(f"password.{refused.code}", "en", min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH)
    return ValueError(words)


def cmd_user_passwd(args: argparse.Namespace) -> int:
    if args.force_reset:
        with store_services().writer.begin() as s:
            users.force_reset(s, args.name)
            audit.record(s, "cli", "password_reset_forced", args.name, {})
        print(f"user {args.name} must set a new password after the next login")
        return 0
    with store_services().sessions() as s:
        if users.find_user(s, args.name) is None:
            raise LookupError(f"no user {args.name!r}")
    password = args.password if args.password is not None else _ask_password()
    try:
        with store_services().writer.begin() as s:
            users.set_password(s, args.name, password)
            audit.record(s, "cli", "password_change", args.name, {"forced": False})
    except users.PasswordRefused as refused:
        raise _refusal_words(refused) from None
    print(f"password of {args.name} changed (their API token is kept)")
    return 0


def cmd_user_list(_: argparse.Namespace) -> int:
    with store_services().sessions() as s:
        rows = users.list_users(s)
    print(f"{'username':24} {'role':11} {'region':7} {'state':9} token")
    for u in rows:
        state = (
            "disabled"
            if u.disabled
            else "locked"
            if u.locked_until
            else "reset"  # must set a new password after the next login
            if u.must_change_password
            else "active"
        )
        print(
            f"{u.username:24} {u.role:11} {u.region or '-':7} {state:9} "
            f"{'yes' if u.has_token else 'no'}"
        )
    return 0


def _set_disabled(name: str, disabled: bool) -> int:
    with store_services().writer.begin() as s:
        users.set_disabled(s, name, disabled)
        audit.record(s, "cli", "user_disable" if disabled else "user_enable", name, {})
    print(f"user {name} {'disabled' if disabled else 'enabled'}")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    return _set_disabled(args.name, True)


def cmd_user_enable(args: argparse.Namespace) -> int:
    return _set_disabled(args.name, False)


def cmd_user_token(args: argparse.Namespace) -> int:
    with store_services().writer.begin() as s:
        token = users.issue_token(s, args.name)
        audit.record(s, "cli", "user_token", args.name, {})
    print(token)
    print(
        f"(API token of {args.name}; shown once, replaces any earlier one. Send it as "
        "'Authorization: Bearer <token>'.)",
        file=sys.stderr,
    )
    return 0


def cmd_audit_verify(_: argparse.Namespace) -> int:
    with store_services().sessions() as s:
        result = audit.verify(s)
    if result.ok:
        print(f"audit log intact: {result.checked} entries")
        return 0
    print(
        f"audit log TAMPERED at entry {result.first_bad}: {result.reason} "
        f"({result.checked} entries before it check out)",
        file=sys.stderr,
    )
    return 1
