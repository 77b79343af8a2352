"""The admins' dead-letter page: every refused entry with its reason; nobody else sees it."""

from __future__ import annotations

from sqlalchemy import Engine

from callbacks.deadletters import load_dead_letters
from components.layout import navbar, page_for
from tests.support.stores import apply_events
from tests.support.users import viewer
from tests.ui.common import NOW, context


def _refuse_two(engine: Engine) -> None:
    refused = [
        {"schema": "2", "type": "registered"},
        {
            "schema": "1",
            "type": "assigned",
            "event_id": "e1",
            "reg_no": "KUP-X-000001",
            "occurred_at": "2026-11-28T10:00:00",
            "unit": "<b>U</b>",
            "officer": "1",
        },
    ]
    assert len(apply_events(engine, refused, allow_refused=True).rejected) == 2


def test_admin_sees_every_refused_entry_with_its_reason(engine: Engine) -> None:
    _refuse_two(engine)
    summary, rows = load_dead_letters(context(engine, "admin"), "en")
    assert summary.startswith("Total: 2, waiting to be re-driven: 2")
    assert {r["field"] for r in rows} == {"schema version", "occurred at"}
    assert {r["error"] for r in rows} == {
        "«2» is not a supported schema version (1)",
        "«2026-11-28T10:00:00» has no offset from UTC",
    }
    summary, rows = load_dead_letters(context(engine, "admin"), "ru")
    assert summary.startswith("Всего: 2, ожидают повторной отправки: 2")
    assert {(r["field"], r["error"]) for r in rows} == {
        ("версия схемы", "«2» — неподдерживаемая версия схемы (поддерживается 1)"),
        ("время события", "«2026-11-28T10:00:00» — не указано смещение от UTC"),
    }


def test_others_are_refused_on_the_server(engine: Engine) -> None:
    _refuse_two(engine)
    for who in ("duty", "manager", "prosecutor"):
        summary, rows = load_dead_letters(context(engine, who), "en")
        assert rows == [] and summary == "Only administrators see this list."


def test_only_admins_get_the_page_and_the_link() -> None:
    admin_page = str(page_for("/deadletters", viewer("admin"), "en", NOW))
    duty_page = str(page_for("/deadletters", viewer("duty"), "en", NOW))
    assert "dead-letters-grid" in admin_page and "dead-letters-grid" not in duty_page
    assert "/deadletters" in str(navbar(viewer("admin"), "en", "light"))
    assert "/deadletters" not in str(navbar(viewer("duty"), "en", "light"))
