"""The command line: config, export, simulate → ingest, and the zero-configuration demo."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
import redis
from sqlalchemy import create_engine, func, select, text

from console.cli import main
from console.config import load_settings
from console.runtime import ingest_worker
from data.db import make_engine
from data.models import AuditEntry, Case, EventRow
from data.schema import upgrade
from tests.support import cli
from tests.support import events as ev


def test_config_masks_secrets(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://kup:s3cret@db.local/kup")
    monkeypatch.setenv("KUP_SECRET_KEY", "topsecret")
    monkeypatch.setenv("KUP_DUE_SOON_HOURS", "12")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out and "topsecret" not in out
    assert "postgresql://kup:***@db.local/kup" in out and "12.0" in out
    assert "kup:events:dead" in out and "Asia/Bishkek" in out


def test_config_defaults() -> None:
    settings = load_settings({})
    assert (settings.stream, settings.group, settings.tz, settings.due_soon_hours) == (
        "kup:events",
        "kup-console",
        "Asia/Bishkek",
        24.0,
    )
    assert settings.effective_database_url.startswith("sqlite:///")
    assert settings.embedded_redis


@pytest.fixture
def env_store(monkeypatch: pytest.MonkeyPatch, settings, engine) -> object:  # type: ignore[no-untyped-def]
    """The command line pointed at the test's store (migrated by `engine`) and Redis."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("KUP_DATA_DIR", str(settings.data_dir))
    return settings


def _ingest_all(settings) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(settings.database_url)
    upgrade(engine)
    worker = ingest_worker(settings, engine, settings.redis_url)
    worker.step()  # its own pending entries first
    while worker.step():
        pass
    engine.dispose()


def test_export_statuses_and_formats(env_store, redis_client: redis.Redis, capsys) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    overdue, fresh, done = ev.next_reg_no(), ev.next_reg_no(), ev.next_reg_no(ev.OSH_CITY)
    for fields in (
        ev.registered(overdue, now - timedelta(days=10)),
        ev.registered(fresh, now - timedelta(minutes=5), kind="appeal"),
        ev.registered(done, now - timedelta(days=3), district=ev.OSH_CITY),
        ev.decided(done, now - timedelta(days=1), "refused"),
    ):
        redis_client.xadd(env_store.stream, fields)
    _ingest_all(env_store)

    assert main(["export", "--status", "overdue"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["reg_no"] for r in rows] == [overdue]
    assert rows[0]["status"] == "overdue" and rows[0]["deadline"].endswith("+06:00")
    assert rows[0]["region"] == "KG-GB" and rows[0]["district"] == ev.BISHKEK

    assert main(["export", "--status", "open"]) == 0
    assert {json.loads(x)["reg_no"] for x in capsys.readouterr().out.splitlines()} == {
        overdue,
        fresh,
    }

    assert main(["export", "--status", "decided", "--format", "csv"]) == 0
    table = _csv_rows(capsys.readouterr().out)
    assert [(r["№ КУП"], r["Решение"], r["Статус"]) for r in table] == [
        (done, "отказано в возбуждении", "Решение принято")
    ]
    assert {
        "№ КУП",
        "Район / город",
        "Область",
        "Категория",
        "Вид",
        "Статус",
        "Поступило",
        "Срок (до 24:00 этого дня)",
        "Решение",
        "Подразделение",
        "Исполнитель",
        "Отметка прокурора",
    } <= set(table[0])
    assert table[0]["Область"] == "г. Ош" and table[0]["Отметка прокурора"] == "нет"

    assert main(["export", "--district", ev.OSH_CITY]) == 0
    assert [json.loads(x)["reg_no"] for x in capsys.readouterr().out.splitlines()] == [done]

    engine = make_engine(env_store.database_url)
    with engine.connect() as conn:
        audited = conn.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.detail).order_by(AuditEntry.id)
        ).all()
    assert [a.action for a in audited] == ["export"] * 4
    assert audited[0].actor.startswith("cli:") and '"rows":1' in audited[0].detail.replace(" ", "")


def _csv_rows(out: str, delimiter: str = ";") -> list[dict[str, str]]:
    """The rows of a CSV export for Excel (UTF-8 with BOM)."""
    assert out.startswith("\ufeff")
    return list(
        csv.DictReader(io.StringIO(out.removeprefix("\ufeff"), newline=""), delimiter=delimiter)
    )


def test_export_to_an_excel_workbook(
    env_store, redis_client: redis.Redis, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    reg_no = ev.next_reg_no(ev.OSH_CITY)
    for fields in (
        ev.registered(reg_no, now - timedelta(days=10), district=ev.OSH_CITY, category="fraud"),
        ev.assigned(reg_no, now - timedelta(days=9), unit="=cmd|'/C calc'!A0", officer="-1"),
    ):
        redis_client.xadd(env_store.stream, fields)
    _ingest_all(env_store)
    path = tmp_path / "cases.xlsx"
    assert main(["export", "--format", "xlsx", "--output", str(path)]) == 0
    assert capsys.readouterr().out == ""
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None and sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("№ КУП", "Район / город", "Область", "Категория")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["№ КУП"], row["Область"], row["Категория"]) == (reg_no, "г. Ош", "мошенничество")
    assert isinstance(row["Поступило"], datetime)  # a real date cell, local time
    registered = now - timedelta(days=10) + timedelta(hours=6)  # Bishkek is UTC+6
    assert abs(row["Зарегистрировано"] - registered.replace(tzinfo=None)) < timedelta(seconds=1)
    assert (row["Подразделение"], row["Исполнитель"]) == ("=cmd|'/C calc'!A0", "-1")
    assert all(cell.data_type != "f" for cells in sheet.iter_rows() for cell in cells)

    english = tmp_path / "cases.csv"
    assert main(["export", "--format", "csv", "--lang", "en", "--output", str(english)]) == 0
    [row_en] = _csv_rows(english.read_text(encoding="utf-8"), delimiter=",")
    assert (row_en["Region"], row_en["Category"], row_en["Unit"]) == (
        "Osh (city)",
        "fraud",
        "'=cmd|'/C calc'!A0",
    )


def test_export_refuses_a_workbook_without_a_file_and_a_file_it_cannot_write(  # type: ignore[no-untyped-def]
    env_store, tmp_path: Path, capsys
) -> None:
    assert main(["export", "--format", "xlsx"]) == 2
    assert "--output FILE" in capsys.readouterr().err
    missing = tmp_path / "no-such-folder" / "cases.xlsx"
    assert main(["export", "--format", "xlsx", "--output", str(missing)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_export_rejects_unknown_status(env_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit):
        main(["export", "--status", "late"])


def test_simulate_writes_valid_backfill_that_ingests_cleanly(
    env_store, redis_client: redis.Redis
) -> None:  # type: ignore[no-untyped-def]
    assert (
        main(["simulate", "--backfill-days", "2", "--rate", "0", "--seed", "5", "--per-day", "200"])
        == 0
    )
    written = redis_client.xlen(env_store.stream)
    assert written > 400
    _ingest_all(env_store)
    engine = make_engine(env_store.database_url)
    with engine.connect() as conn:
        events = conn.scalar(select(func.count()).select_from(EventRow))
        cases = conn.scalar(select(func.count()).select_from(Case))
    assert redis_client.xlen(env_store.dead_stream) == 0
    duplicates = written - events
    assert 0 <= duplicates < written * 0.05 and cases > 300


def _demo(folder: Path, *options: str, seconds: float) -> str:
    """Run `kup-console demo --no-web` on `folder` for `seconds`; its output (it must exit 0)."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "KUP_STREAM")
    }
    env["KUP_DATA_DIR"] = str(folder / "var")
    demo = cli.start(
        ["demo", "--no-web", "--duration", str(seconds), "--backfill-days", "0.02"]
        + ["--per-day", "50000", *options],
        env,
    )
    output = demo.communicate(timeout=180)[0]
    assert demo.returncode == 0, output[-3000:]
    return output


def _demo_store(folder: Path) -> tuple[dict[str, int], set[str], list[str]]:
    """The demo store's last number per district and year, its event ids, its dead letters."""
    engine = create_engine(f"sqlite:///{folder / 'var' / 'kup.db'}")
    with engine.connect() as conn:
        reg_nos = conn.execute(text("SELECT reg_no FROM cases")).scalars().all()
        event_ids = set(conn.execute(text("SELECT event_id FROM events")).scalars())
        dead = list(conn.execute(text("SELECT error FROM dead_letters")).scalars())
    engine.dispose()
    last: dict[str, int] = {}
    for reg_no in reg_nos:
        prefix, _, number = reg_no.rpartition("-")
        last[prefix] = max(last.get(prefix, 0), int(number))
    return last, event_ids, dead


@pytest.mark.slow
def test_demo_restarted_carries_on_and_fresh_starts_over(tmp_path: Path) -> None:
    """From nothing, a stopped and restarted demo carries on: no registration refused as
    "already registered", new numbers after the stored ones; --fresh starts over."""
    _demo(tmp_path, seconds=1)  # stopped before its history is stored
    second_out = _demo(tmp_path, seconds=1)
    carried = re.search(r"carrying on from (\d+) stored cases", second_out)
    assert carried, second_out[-3000:]
    _demo(tmp_path, seconds=1)  # stores what the second run left in the stream, then stops
    numbers, second_events, dead = _demo_store(tmp_path)
    assert not [error for error in dead if "already registered" in error]
    assert int(carried[1]) > 50  # the first run's history, stored by the second first
    assert len(second_events) > int(carried[1])
    assert sum(numbers.values()) > int(carried[1])  # new cases, numbered after the old

    fresh_out = _demo(tmp_path, "--fresh", "--seed", "7", seconds=1)
    assert "starting over" in fresh_out and "carrying on" not in fresh_out
    _, fresh_events, _ = _demo_store(tmp_path)
    assert not fresh_events & second_events  # the old store is gone


def test_demo_fresh_deletes_only_its_own_store(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://kup@db.example/kup")
    assert main(["demo", "--fresh", "--no-web"]) == 2
    assert "--fresh deletes only the demo's own store" in capsys.readouterr().err


def test_csv_export_runs_no_formula_in_a_spreadsheet(  # type: ignore[no-untyped-def]
    env_store, redis_client: redis.Redis, capsys
) -> None:
    now = datetime.now(UTC)
    formula, breaking = ev.next_reg_no(), ev.next_reg_no()
    for fields in (
        ev.registered(formula, now - timedelta(hours=5), summary='=HYPERLINK("http://x","y")'),
        ev.assigned(
            formula, now - timedelta(hours=4), unit="=cmd|'/C calc'!A0", officer="@SUM(A1)"
        ),
        ev.registered(breaking, now - timedelta(hours=3)),
        ev.assigned(breaking, now - timedelta(hours=2), unit="\r=1+2", officer="-10442"),
    ):
        redis_client.xadd(env_store.stream, fields)
    _ingest_all(env_store)

    assert main(["export", "--status", "open", "--format", "csv"]) == 0
    table = _csv_rows(capsys.readouterr().out)
    assert len(table) == 2  # the CR in a unit starts no row of its own
    by_reg_no = {row["№ КУП"]: row for row in table}
    assert (by_reg_no[formula]["Подразделение"], by_reg_no[formula]["Исполнитель"]) == (
        "'=cmd|'/C calc'!A0",
        "'@SUM(A1)",
    )
    assert (by_reg_no[breaking]["Подразделение"], by_reg_no[breaking]["Исполнитель"]) == (
        "'\r=1+2",
        "'-10442",
    )
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", by_reg_no[formula]["Срок (до 24:00 этого дня)"])
    for row in table:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())
