"""Exports people open in a spreadsheet: the overdue and workload pages' lists and
`kup-console export --format xlsx|csv`, as an Excel workbook (XLSX) or as CSV that Excel opens
correctly, both in the words of the chosen language.

A table is built once (`case_table`, `workload_table`): headers in the language, codes said as
words (category, kind, status, decision, priority), district and region by name, yes/no for
flags, instants as local wall times and a deadline as its last day. Its two writers:

* `write_xlsx`: real date cells in local time (with the language's date format), numbers as
  numbers, every text written as text (never a formula or a link, whatever it starts with), a
  bold and frozen header row with filters.
* `write_csv`: UTF-8 with a byte-order mark (without one, Excel reads UTF-8 as the system's
  code page), ";" between values where the language writes decimals with a comma (ru, ky: the
  list separator Excel expects there), "," in English; dates and times as the language writes
  them; text that a spreadsheet would run as a formula prefixed with '; a CR or LF inside a
  value quoted, so that it stays in its cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Literal
from zoneinfo import ZoneInfo

import xlsxwriter

from components.formatting import (
    STAMP,
    date_text,
    deadline_day,
    local_wall,
    shown,
    spreadsheet_formats,
    spreadsheet_text,
)
from components.i18n import (
    district_name,
    label,
    normalize_lang,
    number_separators,
    region_name,
    t,
)

Format = Literal["xlsx", "csv"]
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
Cell = str | int | date | datetime | None
BOM = "\ufeff"
# A leading =, +, -, @, tab or CR would make a spreadsheet run the cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAX_TEXT = 32_767  # the most characters an Excel cell holds


@dataclass(frozen=True)
class Table:
    """Headers in the language and rows of cells (text, numbers, local dates and times);
    the rows may be a stream, read once by a writer."""

    headers: list[str]
    rows: Iterable[list[Cell]]


# -- cases -------------------------------------------------------------------------------------

CaseCell = Callable[[object, str, ZoneInfo], Cell]


def _text(value: object, _lang: str, _tz: ZoneInfo) -> Cell:
    return None if value is None else str(value)


def _coded(prefix: str) -> CaseCell:
    def word(value: object, lang: str, _tz: ZoneInfo) -> Cell:
        return label(prefix, str(value), lang) if value else None

    return word


def _yes_no(value: object, lang: str, _tz: ZoneInfo) -> Cell:
    return t("yes" if value else "no", lang)


def _number(value: object, _lang: str, _tz: ZoneInfo) -> Cell:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _instant(value: object, _lang: str, tz: ZoneInfo) -> Cell:
    return local_wall(value, tz) if isinstance(value, datetime) else None


def _deadline(value: object, _lang: str, tz: ZoneInfo) -> Cell:
    return deadline_day(value, tz) if isinstance(value, datetime) else None


# The case fields exported, their header's message key and how a value becomes a cell.
CASE_COLUMNS: tuple[tuple[str, str, CaseCell], ...] = (
    ("reg_no", "col.reg_no", _text),
    ("district", "col.district", lambda v, lang, _: district_name(str(v), lang) if v else None),
    ("region", "col.region", lambda v, lang, _: region_name(str(v), lang) if v else None),
    ("category", "col.category", _coded("category")),
    ("kind", "col.kind", _coded("kind")),
    ("status", "col.status", _coded("status")),
    ("received_at", "col.received_at", _instant),
    ("registered_at", "col.registered_at", _instant),
    ("deadline", "col.deadline_day", _deadline),
    ("decision", "col.decision", _coded("decision")),
    ("decided_at", "col.decided_at", _instant),
    ("unit", "col.unit", _text),
    ("officer", "col.officer", _text),
    ("flagged", "col.flagged", _yes_no),
    ("priority", "col.priority", _coded("priority")),
    ("late_registration", "col.late_registration", _yes_no),
    ("breached", "col.breached", _yes_no),
    (
        "breach_seconds",
        "col.breach_seconds",
        lambda v, _lang, _tz: v if isinstance(v, int) else None,
    ),
    ("flag_comment", "col.flag_comment", _text),
    ("flag_by", "col.flag_by", _text),
    ("flag_at", "col.flag_at", _instant),
)
CASE_FIELDS = tuple(field for field, _, _ in CASE_COLUMNS)


def case_table(cases: Iterable[Mapping[str, object]], lang: str, tz: ZoneInfo) -> Table:
    """Cases (CaseSummary / ListedCase `as_dict()` forms) as a table in `lang`."""
    lang = normalize_lang(lang)
    rows = ([cell(case.get(f), lang, tz) for f, _, cell in CASE_COLUMNS] for case in cases)
    return Table([t(key, lang) for _, key, _ in CASE_COLUMNS], rows)


# -- workload ----------------------------------------------------------------------------------


def workload_table(
    rows: Sequence[Mapping[str, object]],
    name_header: str,
    counts: Sequence[tuple[str, str]],
    lang: str,
    with_region: bool,
) -> Table:
    """A workload level's rows (components.workload.grid_rows) as a table: the group's name
    (and its region's), then each count under `counts`' (field, header)."""
    headers = [name_header, *([t("col.region", lang)] if with_region else [])]
    headers += [header for _, header in counts]

    def cells(row: Mapping[str, object]) -> list[Cell]:
        values: list[Cell] = [str(row.get("name") or "")]
        if with_region:
            values.append(str(row.get("region") or ""))
        for field, _ in counts:
            value = row.get(field)
            values.append(value if isinstance(value, int) else None)
        return values

    return Table(headers, [cells(row) for row in rows])


# -- CSV ---------------------------------------------------------------------------------------


def csv_delimiter(lang: str | None) -> str:
    """ ";" where the language writes decimals with a comma (Russian, Kyrgyz: what Excel
    expects between values there), else ","."""
    return ";" if number_separators(lang)[0] == "," else ","


def _csv_value(value: Cell, lang: str) -> object:
    if isinstance(value, datetime):
        return spreadsheet_text(value, lang)
    if isinstance(value, date):
        return date_text(value, lang)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(out: IO[str], table: Table, lang: str) -> int:
    """Write `table` as CSV for Excel in `lang` to `out` (see the module's docstring; rows end
    in LF). Returns the number of rows written."""
    # Python's csv module quotes a value only for the characters of its own line terminator:
    # each row is written with CRLF (so that a CR or LF in any value is quoted), then ended
    # with LF.
    row_text = io.StringIO()
    writer = csv.writer(row_text, delimiter=csv_delimiter(lang), lineterminator="\r\n")

    def write_row(values: Sequence[object]) -> None:
        row_text.seek(0)
        row_text.truncate()
        writer.writerow(values)
        out.write(row_text.getvalue().removesuffix("\r\n") + "\n")

    out.write(BOM)
    write_row([_csv_value(header, lang) for header in table.headers])
    count = 0
    for row in table.rows:
        write_row([_csv_value(value, lang) for value in row])
        count += 1
    return count


def csv_text(table: Table, lang: str) -> str:
    """The CSV of `table` (see write_csv) as text."""
    out = io.StringIO()
    write_csv(out, table, lang)
    return out.getvalue()


# -- XLSX --------------------------------------------------------------------------------------


def _width(value: Cell) -> int:
    if isinstance(value, datetime):
        return 17
    if isinstance(value, date):
        return 11
    return min(len(str(value)) if value is not None else 0, 60)


def write_xlsx(out: str | IO[bytes], table: Table, lang: str, sheet: str | None = None) -> int:
    """Write `table` as an Excel workbook to `out` (a path or a binary file): one sheet, its
    header row bold, frozen and filtered, dates as date cells in the language's format, text
    always as text. Rows are streamed (constant memory). Returns the number of rows written.
    A path is opened before any row is read (an OSError then, not after the work)."""
    if isinstance(out, str):
        with open(out, "wb") as file:
            return write_xlsx(file, table, lang, sheet)
    lang = normalize_lang(lang)
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            # Text stays text: none of XlsxWriter's guesses from a string's look.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        day_format, time_format = spreadsheet_formats(lang)
        header_style = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"})
        date_style = workbook.add_format({"num_format": day_format, "align": "left"})
        time_style = workbook.add_format({"num_format": time_format, "align": "left"})
        worksheet = workbook.add_worksheet((sheet or t("export.sheet", lang))[:31])
        worksheet.freeze_panes(1, 0)
        widths = [max(10, min(len(header) + 2, 40)) for header in table.headers]
        for col, header in enumerate(table.headers):
            worksheet.write_string(0, col, header, header_style)
        count = 0
        for count, row in enumerate(table.rows, start=1):
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    worksheet.write_datetime(count, col, value, time_style)
                elif isinstance(value, date):
                    worksheet.write_datetime(count, col, value, date_style)
                elif isinstance(value, int):
                    worksheet.write_number(count, col, value)
                else:
                    worksheet.write_string(count, col, str(value)[:_MAX_TEXT])
                if col < len(widths):
                    widths[col] = max(widths[col], _width(value) + 1)
        for col, width in enumerate(widths):
            worksheet.set_column(col, col, width)
        worksheet.autofilter(0, 0, max(count, 1), max(len(table.headers) - 1, 0))
    finally:
        workbook.close()
    return count


def xlsx_bytes(table: Table, lang: str) -> bytes:
    """The workbook of `table` (see write_xlsx) as bytes."""
    out = io.BytesIO()
    write_xlsx(out, table, lang)
    return out.getvalue()


def export_filename(kind: str, now: datetime, tz: ZoneInfo, fmt: Format = "xlsx") -> str:
    """ "kup-overdue-20260311-1200.xlsx" (local time)."""
    return f"kup-{kind}-{shown(now, tz, STAMP)}.{fmt}"


def export_format(value: object) -> Format:
    """A requested export format ("xlsx" unless "csv")."""
    return "csv" if value == "csv" else "xlsx"
