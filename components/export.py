"""CSV exports of the pages' lists (the same case fields as the CLI export and the API)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from components.formatting import iso_local
from data.case_lists import EXPORT_FIELDS, ListedCase

CASE_FIELDS = (*EXPORT_FIELDS, "flag_comment", "flag_by", "flag_at")
# A leading =, +, - or @ would make a spreadsheet run the cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object, tz: str) -> object:
    if isinstance(value, datetime):
        return iso_local(value, tz)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[Mapping[str, object]], fields: Sequence[str], tz: str) -> str:
    """CSV text with a header; times as local ISO 8601, formula-like text defused."""
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({f: _cell(row.get(f), tz) for f in fields})
    return out.getvalue()


def cases_csv(cases: Iterable[ListedCase], tz: str) -> str:
    """Cases as CSV: the export fields plus the active flag."""
    return to_csv((case.as_dict() for case in cases), CASE_FIELDS, tz)


def export_filename(kind: str, now: datetime, tz: str) -> str:
    """ "kup-overdue-20260311-1200.csv" (local time)."""
    stamp = iso_local(now, tz)[:16].replace("-", "").replace("T", "-").replace(":", "")
    return f"kup-{kind}-{stamp}.csv"
