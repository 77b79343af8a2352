"""Exports people open in Excel, read back as Excel would: a workbook (openpyxl) with headers and
values in the page's language, districts and regions by name, real date cells in local time, a
frozen header row and formula-like text kept as text; CSV with a byte-order mark and ";" in
Russian (csv module); and the overdue page's export button answering with a workbook over
HTTP."""

from __future__ import annotations

import base64
import csv
import io
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import Engine

from components import ids
from components.export import (
    BOM,
    CASE_FIELDS,
    Table,
    case_table,
    csv_delimiter,
    csv_text,
    export_filename,
    workload_table,
    write_xlsx,
    xlsx_bytes,
)
from components.workload import grid_rows, workload_count_headers
from console.web.app import WebApp
from data.case_lists import EXPORT_FIELDS, ActiveFlag, ListedCase
from data.workload_counts import WorkloadRow
from rules.clock import zone
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.support.web import post_callback

TZ = zone("Asia/Bishkek")
NOW = datetime(2026, 11, 3, 8, 5, tzinfo=UTC)  # 14:05 in Bishkek
DEADLINE = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)  # 24:00 of 3 November in Bishkek
OSH_REGION = "KG-O"  # Osh region (oblast), not the city
OSH_DISTRICT = "41706226000000"  # Kara-Suu district, in Osh region


def _case(**changes: object) -> ListedCase:
    fields: dict[str, object] = {
        "reg_no": "KUP-41706226000000-2026-000001",
        "district": OSH_DISTRICT,
        "region": OSH_REGION,
        "category": "theft",
        "kind": "crime",
        "status": "overdue",
        "received_at": NOW - timedelta(days=3),
        "registered_at": NOW - timedelta(days=3, minutes=-10),
        "deadline": DEADLINE,
        "decision": "refused",
        "decided_at": NOW,
        "unit": "=1+2",
        "officer": "41711000000000",
        "flagged": True,
        "priority": "high",
        "late_registration": False,
        "breached": True,
        "breach_seconds": 7200,
        "summary": "x",
        "flag": ActiveFlag(1, "+проверить", "prosecutor", NOW),
    }
    return ListedCase(**{**fields, **changes})  # type: ignore[arg-type]


def _table(lang: str) -> Table:
    return case_table([_case().as_dict()], lang, TZ)


def _workbook(data: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return sheet


def test_workbook_has_words_names_and_local_dates() -> None:
    assert set(EXPORT_FIELDS) <= set(CASE_FIELDS)  # every field of a case summary is exported
    sheet = _workbook(xlsx_bytes(_table("ru"), "ru"))
    assert sheet.title == "Выгрузка"
    header = [c.value for c in sheet[1]]
    assert header[:9] == [
        "№ КУП",
        "Район / город",
        "Область",
        "Категория",
        "Вид",
        "Статус",
        "Поступило",
        "Зарегистрировано",
        "Срок (до 24:00 этого дня)",
    ]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["Район / город"].value == "Кара-Сууский"
    assert row["Область"].value == "Ошская область"
    assert (row["Категория"].value, row["Вид"].value) == ("кража", "преступление")
    assert (row["Статус"].value, row["Решение"].value) == ("Просрочено", "отказано в возбуждении")
    assert (row["Приоритет"].value, row["Отметка прокурора"].value) == ("высокий", "да")
    assert row["Поздняя регистрация"].value == "нет"
    assert row["Срок нарушался"].value == "да"
    assert (row["Просрочено всего, с"].value, row["Просрочено всего, с"].data_type) == (7200, "n")
    # real date cells, in the console's local time (Excel has no zones)
    assert row["Поступило"].is_date and row["Поступило"].value == datetime(2026, 10, 31, 14, 5)
    assert row["Поступило"].number_format == "dd.mm.yyyy, hh:mm"
    assert row["Дата решения"].value == datetime(2026, 11, 3, 14, 5)
    # the deadline as its last day: 3 November (it ends at 24:00), not 4 November 00:00
    assert row["Срок (до 24:00 этого дня)"].value == datetime(2026, 11, 3)
    assert row["Срок (до 24:00 этого дня)"].number_format == "dd.mm.yyyy"
    # text that looks like a formula or a number stays text
    assert (row["Подразделение"].value, row["Подразделение"].data_type) == ("=1+2", "s")
    assert (row["Исполнитель"].value, row["Исполнитель"].data_type) == ("41711000000000", "s")
    assert row["Отметка: комментарий"].value == "+проверить"
    assert sheet.freeze_panes == "A2"  # the header row stays in view
    assert sheet.auto_filter.ref == "A1:U2"
    assert sheet["A1"].font.bold


def test_workbook_in_english_and_kyrgyz() -> None:
    english = _workbook(xlsx_bytes(_table("en"), "en"))
    header = [c.value for c in english[1]]
    assert header[:3] == ["Reg. no.", "District / city", "Region"]
    assert english["C2"].value == "Osh" and english["D2"].value == "theft"
    assert english["G2"].number_format == "m/d/yyyy, h:mm AM/PM"
    kyrgyz = _workbook(xlsx_bytes(_table("ky"), "ky"))
    assert kyrgyz["C2"].value == "Ош облусу" and kyrgyz["D2"].value == "уурулук"


def test_workbook_written_to_a_file_streams_many_rows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cases.xlsx"
    many = (_case(reg_no=f"KUP-{i:06d}").as_dict() for i in range(3000))
    assert write_xlsx(str(path), case_table(many, "ru", TZ), "ru") == 3000
    sheet = openpyxl.load_workbook(path, read_only=True).active
    assert sheet is not None and sheet.max_row == 3001


def test_csv_for_russian_excel() -> None:
    text = csv_text(_table("ru"), "ru")
    assert text.startswith(BOM) and csv_delimiter("ru") == ";" and csv_delimiter("en") == ","
    [row] = csv.DictReader(io.StringIO(text.removeprefix(BOM), newline=""), delimiter=";")
    assert row["№ КУП"] == "KUP-41706226000000-2026-000001"
    assert (row["Район / город"], row["Область"]) == ("Кара-Сууский", "Ошская область")
    assert row["Поступило"] == "31.10.2026 14:05"  # what Russian Excel reads as a date
    assert row["Срок (до 24:00 этого дня)"] == "03.11.2026"
    assert (row["Отметка прокурора"], row["Категория"]) == ("да", "кража")
    assert row["Подразделение"] == "'=1+2"  # no formula
    assert (row["Срок нарушался"], row["Просрочено всего, с"]) == ("да", "7200")
    assert row["Отметка: комментарий"] == "'+проверить"
    english = csv_text(_table("en"), "en").removeprefix(BOM)
    [row] = csv.DictReader(io.StringIO(english, newline=""))
    assert (row["Region"], row["Received"], row["Prosecutor's flag"]) == (
        "Osh",
        "10/31/2026 2:05\u202fPM",
        "yes",
    )
    assert export_filename("overdue", NOW, TZ, "csv") == "kup-overdue-20261103-1405.csv"
    assert export_filename("overdue", NOW, TZ) == "kup-overdue-20261103-1405.xlsx"


def test_workload_table_has_names_and_numbers() -> None:
    rows = grid_rows([WorkloadRow(OSH_DISTRICT, open=1234, overdue=5)], "districts", "ru")
    table = workload_table(rows, "Район / город", workload_count_headers("ru"), "ru", True)
    sheet = _workbook(xlsx_bytes(table, "ru"))
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Район / город", "Область", "В работе", "Просрочено"]
    assert "Поступило: 7 дн." in header and "Сколько дней в работе: 0–3 дн." in header
    assert header[-2:] == [
        "Решено поздно: 7 дн.",
        "Решено поздно: 30 дн.",
    ]
    assert [c.value for c in sheet[2]][:4] == ["Кара-Сууский", "Ошская область", 1234, 5]
    assert sheet["C2"].data_type == "n"  # a number Excel can sum
    text = csv_text(table, "ru").removeprefix(BOM)
    assert text.splitlines()[1].startswith("Кара-Сууский;Ошская область;1234;5;")


@pytest.fixture
def osh_case(engine: Engine) -> str:
    reg_no = ev.next_reg_no(OSH_DISTRICT)
    now = datetime.now(UTC)
    apply_events(engine, [ev.registered(reg_no, now - timedelta(days=6), district=OSH_DISTRICT)])
    return reg_no


def test_the_export_button_answers_with_a_workbook(  # type: ignore[no-untyped-def]
    console: WebApp, client_for, osh_case: str
) -> None:
    client = client_for("manager")
    spec = console.dash_app.callback_map[f"{ids.OVERDUE_DOWNLOAD}.data"]
    values = {f"{ids.OVERDUE_TABS}.active_tab": "overdue", f"{ids.LANG}.data": "ru"}

    def items(kind: str) -> list[dict[str, object]]:
        return [
            {
                **item,
                "value": values.get(
                    f"{item['id']}.{item['property']}", 1 if kind == "inputs" else None
                ),
            }
            for item in spec[kind]
        ]

    response = post_callback(
        client,
        f"{ids.OVERDUE_DOWNLOAD}.data",
        items("inputs"),
        items("state"),
        f"{ids.OVERDUE_EXPORT}.n_clicks",
    )
    assert response.status_code == 200
    data = response.get_json()["response"][ids.OVERDUE_DOWNLOAD]["data"]
    assert data["filename"].startswith("kup-overdue-") and data["filename"].endswith(".xlsx")
    assert data["type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = _workbook(base64.b64decode(data["content"]))
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert sheet["A1"].value == "№ КУП" and osh_case in rows
    assert rows[osh_case][1:3] == ("Кара-Сууский", "Ошская область")
    assert isinstance(rows[osh_case][8], datetime)  # the deadline's day, a real date
    assert rows[osh_case][8].date() <= date.today()
