"""`kup-console report daily`: the duty room's daily summary of a local day as a PDF, for the
country or a region (data.daily_summary has what it counts)."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

from components.i18n import DEFAULT_LANG, LANGUAGES
from console.reports.daily_pdf import daily_pdf
from console.runtime import store_services
from data.reference import load_geography
from rules.clock import local_date


def _day(value: str) -> date:
    """A --date value: YYYY-MM-DD."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser("report", help="printable reports (the daily summary as a PDF)")
    reports = parser.add_subparsers(dest="report", required=True, metavar="REPORT")
    p = reports.add_parser(
        "daily",
        help="the daily summary (суточная сводка) of a local day as a PDF",
        description="The duty room's daily summary of one local day (00:00-24:00 in KUP_TZ): "
        "registrations by category and district, decisions, extensions, open and overdue "
        "cases at 24:00, prosecutors' flags, late registrations and the day's notable cases.",
    )
    p.add_argument(
        "--date",
        type=_day,
        metavar="YYYY-MM-DD",
        help="the local day (default: yesterday, the last complete day)",
    )
    p.add_argument(
        "--region",
        metavar="ISO",
        help="only this region (ISO 3166-2 code, e.g. KG-O); default: the whole country",
    )
    p.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANG,
        help=f"the report's language (default {DEFAULT_LANG})",
    )
    p.add_argument(
        "--output", "-o", required=True, type=Path, metavar="FILE.pdf", help="the PDF to write"
    )
    p.set_defaults(handler=cmd_daily)


def cmd_daily(args: argparse.Namespace) -> int:
    regions = load_geography().regions
    if args.region is not None and args.region not in regions:
        raise ValueError(f"unknown region {args.region!r}; known: {', '.join(sorted(regions))}")
    output: Path = args.output
    if output.is_dir():
        raise ValueError(f"--output {output} is a folder; name a file")
    if not output.parent.is_dir():
        raise ValueError(f"--output {output}: the folder {output.parent} does not exist")
    services = store_services()
    now = services.now()
    day = args.date or local_date(now, services.tz) - timedelta(days=1)
    with services.sessions() as session:
        pdf = daily_pdf(session, day, args.region, args.lang, services.tz, now)
    try:
        output.write_bytes(pdf)
    except OSError as exc:
        raise ValueError(f"cannot write {output}: {exc.strerror}") from None
    print(f"wrote the daily summary of {day.isoformat()} to {output} ({len(pdf):,} bytes)")
    return 0
