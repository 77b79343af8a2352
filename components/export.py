"""CSV exports of the pages' lists and of `kup-console export --format csv` (the same case fields
as the API): the one CSV writer, which no spreadsheet can make run a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from components.formatting import STAMP, iso_local, shown
from data.case_lists import EXPORT_FIELDS, ListedCase

CASE_FIELDS = (*EXPORT_FIELDS, "flag_comment", "flag_by", "flag_at")
# A leading =, +, -, @, tab or CR would make a spreadsheet run the cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object, tz: ZoneInfo) -> object:
    if isinstance(value, datetime):
        return iso_local(value, tz)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(
    out: TextIO, rows: Iterable[Mapping[str, object]], fields: Sequence[str], tz: ZoneInfo
) -> int:
    """Write CSV with a header to `out` (rows end in LF); times as local ISO 8601, text that a
    spreadsheet would run as a formula prefixed with ', a value holding CR or LF quoted.
    Returns the number of rows written."""
    # Python's csv module quotes a value only for the characters of its own line terminator:
    # each row is written with CRLF (so that a CR or LF in any value is quoted), then ended
    # with LF, as the exports always were.
    row_text = io.StringIO()
    writer = csv.writer(row_text, lineterminator="\r\n")

    def write_row(values: Sequence[object]) -> None:
        row_text.seek(0)
        row_text.truncate()
        writer.writerow(values)
        out.write(row_text.getvalue().removesuffix("\r\n") + "\n")

    write_row(fields)
    count = 0
    for row in rows:
        write_row([_cell(row.get(f), tz) for f in fields])
        count += 1
    return count


def to_csv(rows: Iterable[Mapping[str, object]], fields: Sequence[str], tz: ZoneInfo) -> str:
    """CSV text of `rows` (see write_csv)."""
    out = io.StringIO()
    write_csv(out, rows, fields, tz)
    return out.getvalue()


def cases_csv(cases: Iterable[ListedCase], tz: ZoneInfo) -> str:
    """Cases as CSV: the export fields plus the active flag."""
    return to_csv((case.as_dict() for case in cases), CASE_FIELDS, tz)


def export_filename(kind: str, now: datetime, tz: ZoneInfo) -> str:
    """ "kup-overdue-20260311-1200.csv" (local time)."""
    return f"kup-{kind}-{shown(now, tz, STAMP)}.csv"
