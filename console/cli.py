"""`kup-console` command line: one sub-command per task; feature modules add their own.

Exit codes: 0 done; 1 a check failed (e.g. `audit verify`); 2 bad input (a clear message);
75 the store stayed busy longer than KUP_BUSY_TIMEOUT (try again); 78 the store's schema is not
this kup-console's (run `kup-console db upgrade`, or the newer kup-console that migrated it);
130 interrupted; 141 the reader of standard output went away (`kup-console export | head`), as
a command killed by SIGPIPE. Never a traceback for these.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sqlite3
import sys
import threading

from sqlalchemy.exc import OperationalError

from console.config import load_settings
from console.runtime import closing_services
from data.db import store_busy
from data.schema import SchemaNotCurrent, SchemaStatus

EXIT_USAGE = 2
EXIT_BUSY = 75  # sysexits' EX_TEMPFAIL: worth trying again
EXIT_SCHEMA = 78  # sysexits' EX_CONFIG: the operator has to act first
EXIT_PIPE = 128 + signal.SIGPIPE  # what a shell reports for a command killed by SIGPIPE

COMMAND_MODULES = (
    "console.commands.core",
    "console.commands.deadletters",
    "console.commands.web",
    "console.commands.seed",
    "console.commands.check",
    "console.commands.aggregates",
    "console.commands.notify",
    "console.commands.receipts",
    "console.commands.report",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kup-console", description="Live operations console of the electronic KUP."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kup-console` console script."""
    args = build_parser().parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        # A shell that starts a command in the background has it ignore SIGINT; a kup-console
        # command always stops on it, also before its own handlers are set (while starting).
        signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        with closing_services():
            code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a reader gone by now is told here, not at exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_PIPE
    except SchemaNotCurrent as exc:
        print(f"kup-console: {schema_words(exc.status)}", file=sys.stderr)
        return EXIT_SCHEMA
    except (OperationalError, sqlite3.OperationalError) as exc:
        if not store_busy(exc):
            raise
        print(
            "kup-console: the store is busy (another process is writing or migrating); "
            f"tried for {load_settings().busy_timeout_s:g} s. Try again, or wait longer "
            "with KUP_BUSY_TIMEOUT (seconds).",
            file=sys.stderr,
        )
        return EXIT_BUSY
    except (ValueError, LookupError) as exc:
        print(f"kup-console: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _drop_stdout() -> None:
    """Point standard output at /dev/null: what is still buffered for a reader that went away
    is dropped, instead of failing again (with a message) when Python flushes it at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def schema_words(status: SchemaStatus) -> str:
    """What to tell the operator about a store whose schema is not this kup-console's."""
    where = load_settings().masked()["database_url"]
    if status.state == "empty":
        return f"the store {where} has no schema yet; create it with `kup-console db upgrade`."
    if status.state == "behind":
        return (
            f"the store {where} is at schema revision {status.current}, this kup-console needs "
            f"{status.head}; run `kup-console db upgrade` (nothing else changes the schema)."
        )
    return (
        f"the store {where} is at schema revision {status.current}, which this kup-console "
        f"does not know (its newest is {status.head}): a newer kup-console migrated it; run "
        "that one."
    )


if __name__ == "__main__":
    sys.exit(main())
