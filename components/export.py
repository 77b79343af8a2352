"""CSV exports of the pages' lists (the same case fields as the CLI export and the API)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from components.formatting import STAMP, iso_local, shown
from data.case_lists import EXPORT_FIELDS, ListedCase

CASE_FIELDS = (*EXPORT_FIELDS, "flag_comment", "flag_by", "flag_at")
# A leading =, +, - or @ would make a spreadsheet run the cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object, tz: ZoneInfo) -> object:
    if isinstance(value, datetime):
        return iso_local(value, tz)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[Mapping[str, object]], fields: Sequence[str], tz: ZoneInfo) -> str:
    """CSV text with a header; times as local ISO 8601, formula-like text defused."""
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({f: _cell(row.get(f), tz) for f in fields})
    return out.getvalue()


def cases_csv(cases: Iterable[ListedCase], tz: ZoneInfo) -> str:
    """Cases as CSV: the export fields plus the active flag."""
    return to_csv((case.as_dict() for case in cases), CASE_FIELDS, tz)


def export_filename(kind: str, now: datetime, tz: ZoneInfo) -> str:
    """ "kup-overdue-20260311-1200.csv" (local time)."""
    return f"kup-{kind}-{shown(now, tz, STAMP)}.csv"
