"""The admins' dead-letter page: every refused entry with its reason; nobody else sees it."""

from __future__ import annotations

from sqlalchemy import Engine

from callbacks.context import Context
from callbacks.deadletters import load_dead_letters
from components.layout import navbar, page_for
from data.consumer import intake_rules
from data.db import make_sessionmaker, writer_engine
from data.intake import StreamEntry, apply_batch
from rules.access import Viewer
from tests.ui.test_callbacks import NOW

VIEWERS = {role: Viewer(role, role) for role in ("duty", "manager", "prosecutor", "admin")}


def context(engine: Engine, who: str) -> Context:
    return Context(
        viewer=VIEWERS[who],
        sessions=make_sessionmaker(engine),
        writer=make_sessionmaker(writer_engine(engine)),
        now=NOW,
    )


def _refuse_two(engine: Engine) -> None:
    entries = [
        StreamEntry("1700000000000-1", {"schema": "2", "type": "registered"}),
        StreamEntry(
            "1700000000000-2",
            {
                "schema": "1",
                "type": "assigned",
                "event_id": "e1",
                "reg_no": "KUP-X-000001",
                "occurred_at": "2026-11-28T10:00:00",
                "unit": "<b>U</b>",
                "officer": "1",
            },
        ),
    ]
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        assert len(apply_batch(session, entries, intake_rules()).rejected) == 2


def test_admin_sees_every_refused_entry_with_its_reason(engine: Engine) -> None:
    _refuse_two(engine)
    summary, rows = load_dead_letters(context(engine, "admin"), "en")
    assert summary.startswith("Total: 2, waiting to be re-driven: 2")
    assert {r["field"] for r in rows} == {"schema", "occurred_at"}
    assert all("source_id" in r["error"] for r in rows)


def test_others_are_refused_on_the_server(engine: Engine) -> None:
    _refuse_two(engine)
    for who in ("duty", "manager", "prosecutor"):
        summary, rows = load_dead_letters(context(engine, who), "en")
        assert rows == [] and summary == "Only administrators see this list."


def test_only_admins_get_the_page_and_the_link() -> None:
    admin_page = str(page_for("/deadletters", VIEWERS["admin"], "en", NOW))
    duty_page = str(page_for("/deadletters", VIEWERS["duty"], "en", NOW))
    assert "dead-letters-grid" in admin_page and "dead-letters-grid" not in duty_page
    assert "/deadletters" in str(navbar(VIEWERS["admin"], "en", "light"))
    assert "/deadletters" not in str(navbar(VIEWERS["duty"], "en", "light"))
