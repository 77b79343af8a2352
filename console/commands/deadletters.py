"""`kup-console deadletters list|retry`: see the entries the console refused, and re-drive
them to the stream once they are fixed."""

from __future__ import annotations

import argparse
import json
import sys

from console.progress import progress
from console.runtime import store_services
from data import streams
from data.deadletters import count_dead_letters, list_dead_letters, retry_dead_letters
from rules.clock import local_iso

ERROR_WIDTH = 90


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("deadletters", help="list and re-drive refused stream entries")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("list", help="the newest dead letters first, with their reason")
    p.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    p.add_argument("--waiting", action="store_true", help="only those not re-driven yet")
    p.add_argument("--json", action="store_true", help="one JSON document instead of a table")
    p.set_defaults(handler=cmd_list)

    p = actions.add_parser(
        "retry", help="append dead letters to the stream again (after they were fixed)"
    )
    p.add_argument(
        "ids", nargs="*", metavar="ID", help="dead letter id (from `list`) or its source stream id"
    )
    p.add_argument("--all", action="store_true", help="every dead letter not re-driven yet")
    p.add_argument("--force", action="store_true", help="also those already re-driven")
    p.add_argument("--json", action="store_true", help="report as JSON")
    p.set_defaults(handler=cmd_retry)


def cmd_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise ValueError("--limit must be at least 1")
    services = store_services()
    with services.sessions() as session:
        letters = list_dead_letters(session, args.limit, waiting_only=args.waiting)
        total, waiting = count_dead_letters(session)
    if args.json:
        json.dump(
            {"total": total, "waiting": waiting, "dead_letters": [d.as_dict() for d in letters]},
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        sys.stdout.write("\n")
        return 0
    print(f"{total} dead letters, {waiting} not re-driven; showing {len(letters)}")
    for d in letters:
        error = d.error if len(d.error) <= ERROR_WIDTH else d.error[: ERROR_WIDTH - 1] + "…"
        retried = f"  re-driven as {d.retry_id}" if d.retry_id else ""
        received = local_iso(d.received_at, services.tz)  # the console's zone, as on the page
        print(f"{d.id:>6}  {received}  {d.source_id:<22} {error}{retried}")
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        raise ValueError("name dead letters to re-drive, or give --all")
    services = store_services()
    client = streams.connect(services.redis_url)
    try:
        with progress("dead letters re-driven") as update:
            results = retry_dead_letters(
                services.writer,  # BEGIN IMMEDIATE: each re-drive reads, then writes
                client,
                services.settings.streams,
                None if args.all else args.ids,
                force=args.force,
                progress=update,
            )
    finally:
        client.close()
    if args.json:
        json.dump([r.as_dict() for r in results], sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for r in results:
            if r.retry_id:
                print(
                    f"dead letter {r.id} ({r.source_id}) re-driven as {r.retry_id} "
                    f"(fields from the {r.origin})"
                )
            else:
                print(f"dead letter {r.id} ({r.source_id}) skipped: {r.skipped}")
        print(
            f"{sum(1 for r in results if r.retry_id)} re-driven, "
            f"{sum(1 for r in results if not r.retry_id)} skipped"
        )
    return 0
