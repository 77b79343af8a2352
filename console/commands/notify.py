"""`kup-console notify add|list|remove|test|retry|worker`: users' subscriptions to
notifications off-screen (e-mail or webhook) and the worker that delivers them
(console/notify.py; README, "Уведомления / Notifications")."""

from __future__ import annotations

import argparse
import sys
import threading
from datetime import UTC, datetime

from console.notify import NotifyWorker, Sender
from console.runtime import stop_on_signals, store_services
from data import audit, notifications
from rules.clock import local_iso
from rules.notifications import KINDS, Event, digest


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("notify", help="notifications by e-mail or webhook")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("add", help="subscribe a user to events by e-mail or webhook")
    p.add_argument("user", metavar="USER", help="the user's name")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--email", metavar="ADDR", help="send e-mail to this address")
    target.add_argument(
        "--webhook",
        metavar="URL",
        help="POST signed JSON to this http(s) URL (prints its secret once)",
    )
    p.add_argument(
        "--region",
        metavar="ISO",
        help="only cases of this region (ISO 3166-2, e.g. KG-O); a regional user: their own",
    )
    p.add_argument(
        "--events",
        required=True,
        metavar="KINDS",
        help=f"comma-separated event kinds: {','.join(KINDS)}",
    )
    p.add_argument(
        "--lang",
        default="ru",
        choices=notifications.LANGS,
        help="the messages' language (default ru)",
    )
    p.set_defaults(handler=cmd_add)

    p = actions.add_parser("list", help="subscriptions, and the outbox's state")
    p.add_argument("--user", metavar="USER", help="only this user's subscriptions")
    p.add_argument(
        "--failed", action="store_true", help="also list the events given up on, with why"
    )
    p.set_defaults(handler=cmd_list)

    p = actions.add_parser("remove", help="delete a subscription and its undelivered events")
    p.add_argument("id", type=int, metavar="ID", help="the subscription's id (from `list`)")
    p.set_defaults(handler=cmd_remove)

    p = actions.add_parser("test", help="send a test message to a subscription now")
    p.add_argument("id", type=int, metavar="ID", help="the subscription's id (from `list`)")
    p.set_defaults(handler=cmd_test)

    p = actions.add_parser("retry", help="give every failed event a new round of attempts")
    p.set_defaults(handler=cmd_retry)

    p = actions.add_parser("worker", help="deliver notifications until SIGTERM (the demo runs one)")
    p.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="S",
        help="seconds between rounds of the outbox (default 2)",
    )
    p.set_defaults(handler=cmd_worker)


def cmd_add(args: argparse.Namespace) -> int:
    channel, target = ("email", args.email) if args.email is not None else ("webhook", args.webhook)
    with store_services().writer.begin() as s:
        sub = notifications.add_subscription(
            s, args.user, channel, target, args.events, region=args.region, lang=args.lang
        )
        audit.record(
            s,
            "cli",
            "notify_add",
            sub.username,
            {"id": sub.id, "channel": channel, "target": target},
        )
    print(
        f"subscription {sub.id}: {sub.username} by {channel} to {sub.target}, "
        f"{','.join(sub.events)} in {sub.region or 'every region'}"
    )
    if sub.secret:
        print(f"webhook secret (shown once; X-KUP-Signature is its HMAC-SHA256): {sub.secret}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    services = store_services()
    with services.sessions() as s:
        subs = notifications.subscriptions(s, args.user)
        counts = notifications.outbox_counts(s)
        failed = notifications.failed_events(s) if args.failed else []
    for sub in subs:
        state = "" if sub.active else "  (inactive)"
        print(
            f"{sub.id:>5}  {sub.username:<16} {sub.channel:<8} {sub.target:<40} "
            f"{sub.region or '*':<5} {','.join(sub.events)}{state}"
        )
    oldest = local_iso(counts.oldest_pending, services.tz) if counts.oldest_pending else "-"
    print(
        f"{len(subs)} subscriptions; outbox: {counts.pending} pending (oldest {oldest}), "
        f"{counts.sent} sent, {counts.failed} failed"
    )
    for f in failed:
        print(
            f"failed {f.id}: subscription {f.subscription_id} {f.kind} {f.reg_no}, "
            f"{f.attempts} attempts, {local_iso(f.failed_at, services.tz)}: {f.last_error}"
        )
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    with store_services().writer.begin() as s:
        notifications.remove_subscription(s, args.id)
        audit.record(s, "cli", "notify_remove", str(args.id), {"id": args.id})
    print(f"subscription {args.id} removed")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    services = store_services()
    with services.sessions() as s:
        found = [sub for sub in notifications.subscriptions(s) if sub.id == args.id]
    if not found:
        raise LookupError(f"no subscription {args.id}")
    sub = found[0]
    event = Event(
        0,
        sub.events[0],
        "KUP-TEST-0",
        "",
        sub.region or sub.user_region or "",
        datetime.now(UTC),
        "cli",
        "test",
    )
    try:
        key = Sender(services.settings)(sub, digest(sub.id, [event]))
    except Exception as exc:
        print(f"kup-console: test message to {sub.target} failed: {exc}", file=sys.stderr)
        return 1
    print(f"test message sent to {sub.target} ({key})")
    return 0


def cmd_retry(_: argparse.Namespace) -> int:
    with store_services().writer.begin() as s:
        n = notifications.retry_failed(s)
    print(f"{n} failed events will be tried again")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        raise ValueError("--interval must be positive")
    services = store_services()
    stop = threading.Event()
    stop_on_signals(stop)
    NotifyWorker(services.settings, services.writer, interval=args.interval).run(stop)
    return 0
