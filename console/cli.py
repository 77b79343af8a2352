"""`kup-console` command line: one sub-command per task; feature modules add their own."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMAND_MODULES = (
    "console.commands.core",
    "console.commands.deadletters",
    "console.commands.web",
    "console.commands.seed",
    "console.commands.aggregates",
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
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except (ValueError, LookupError) as exc:
        print(f"kup-console: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
