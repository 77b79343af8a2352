"""The audit page's recorded values in words (components/audit.py): roles, regions and
districts by name, statuses, formats, channels, login reasons, the objects (pages, the API, the
session), no value as «—», filters as names and values, instants in Bishkek time; no code or
English word is left in a Russian row."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from components.audit import audit_rows, object_text
from data.audit import ACTIONS, AuditRow
from rules.clock import zone

BISHKEK = zone("Asia/Bishkek")
AT = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
LATIN = re.compile(r"[A-Za-z_]{2,}")


def row(action: str, target: str, detail: dict[str, object]) -> dict[str, object]:
    """The page's row of one entry, in Russian."""
    return audit_rows([AuditRow(1, AT, "admin", action, target, detail)], BISHKEK, "ru")[0]


@pytest.mark.parametrize(
    ("action", "target", "detail", "shown"),
    [
        (
            "export",
            "ui:overdue",
            {"filter": {"statuses": ["overdue"], "region": "KG-O"}, "format": "xlsx"},
            "фильтр: статусы: Просрочено, регион: Ошская область; формат: Excel",
        ),
        (
            "user_add",
            "auditor",
            {"role": "prosecutor", "region": "KG-O", "idle_minutes": None},
            "роль: прокурор; регион: Ошская область; простой, мин: —",
        ),
        (
            "case_view",
            "KUP-41711000000000-2026-000001",
            {"via": "api"},
            "через: программный интерфейс",
        ),
        (
            "login",
            "session",
            {"reason": "ok", "ip": "127.0.0.1"},
            "причина: успешно; IP-адрес: 127.0.0.1",
        ),
        (
            "login_failed",
            "session",
            {"reason": "throttled", "by": "account"},
            "причина: слишком много попыток; кем: для этой учётной записи",
        ),
        (
            "export",
            "ui:workload:units",
            {"rows": 1234, "drill": "district=41704230000000", "format": "csv"},
            "строк: 1\N{NO-BREAK SPACE}234; раздел: район / город: Жумгальский; формат: CSV",
        ),
        (
            "export",
            "cli export",
            {"status": "all", "district": None, "region": "KG-C", "format": "csv", "rows": 5},
            "статус: все; район / город: —; регион: Чуйская область; формат: CSV; строк: 5",
        ),
        (
            "audit_view",
            "page:audit",
            {"filter": {"actor": "duty", "action": "login", "since": "2026-03-10 18:00:00+00:00"}},
            "фильтр: пользователь: duty, действие: вход, с даты: 11.03.2026, 00:00",
        ),
        (
            "notify_add",
            "duty",
            {"id": 3, "channel": "webhook", "target": "https://example.org/hook"},
            "№: 3; канал: Веб-хук; объект: https://example.org/hook",
        ),
        ("password_change", "duty", {"forced": True}, "принудительно: да"),
        (
            "alert_claim",
            "KUP-41711000000000-2026-000001",
            {"state": "claimed", "assignee": "duty"},
            "состояние: взята в работу; исполнитель: duty",
        ),
    ],
)
def test_recorded_values_in_words(
    action: str, target: str, detail: dict[str, object], shown: str
) -> None:
    assert row(action, target, detail)["detail"] == shown


def test_objects_and_actions_in_words() -> None:
    assert row("logout", "session", {})["object"] == "сеанс"
    assert row("export", "ui:overdue", {})["object"] == "страница «Контроль сроков», просроченные"
    assert row("audit_view", "api:audit", {})["object"] == "программный интерфейс: журнал аудита"
    assert row("user_add", "auditor", {})["object"] == "auditor"  # a user's name as it is
    assert row("flag", "KUP-41711000000000-2026-000001", {})["object"] == ""  # (the case column)
    for target in (
        "session",
        "page:audit",
        "ui:overdue",
        "ui:due_soon",
        "ui:integrity",
        "api:cases",
        "api:search",
        "api:integrity",
        "api:audit",
        "cli export",
        *(f"ui:workload:{level}" for level in ("districts", "units", "officers", "cases")),
    ):
        assert not LATIN.search(object_text(target, "ru")), target
    for action in ACTIONS:  # every action by a Russian name
        assert not LATIN.search(str(row(action, "session", {})["action"])), action
