"""`kup-console aggregates verify|rebuild`: check the open-case counters against a full
recount of the cases, and rebuild them (after upgrading a store that already held cases, or
when `verify` finds a difference)."""

from __future__ import annotations

import argparse

from console.runtime import store_services
from data.aggregates import rebuild_store, verify_store

SHOWN = 20  # mismatching rows printed


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("aggregates", help="verify or rebuild the open-case counters")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = actions.add_parser(
        "verify", help="compare the counters with a recount (exit 1 on any difference)"
    )
    p.set_defaults(handler=cmd_verify)
    p = actions.add_parser("rebuild", help="recount the counters from the cases")
    p.set_defaults(handler=cmd_rebuild)


def cmd_verify(args: argparse.Namespace) -> int:
    state, mismatches = verify_store(store_services().engine)
    if not state.valid:
        print(
            "the counters are not built (reads count by scanning); "
            "run `kup-console aggregates rebuild`"
        )
        return 1
    if not mismatches:
        print(f"the counters match a full recount (receipt days in {state.zone})")
        return 0
    print(f"{len(mismatches)} counter rows differ from a full recount:")
    for m in mismatches[:SHOWN]:
        key = ", ".join(str(part) for part in m.key)
        print(f"  {m.table} ({key}): {m.column} stored {m.stored}, recount {m.counted}")
    if len(mismatches) > SHOWN:
        print(f"  ... and {len(mismatches) - SHOWN} more")
    print("run `kup-console aggregates rebuild` to recount them")
    return 1


def cmd_rebuild(args: argparse.Namespace) -> int:
    services = store_services()
    rows = rebuild_store(services.engine, services.settings.zone)
    print(f"rebuilt the counters: {rows:,} rows (receipt days in {services.settings.zone.key})")
    return 0
