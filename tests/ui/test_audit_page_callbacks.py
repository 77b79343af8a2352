"""The audit page's callback and skeleton (components/audit.py, callbacks/audit.py): rows in
the page language and the console's zone, the filters (local days), the verification banner in
each state, the query itself audited, and nobody but prosecutors and admins served."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from callbacks.audit import load_audit
from components.audit import verification_banner
from components.layout import navbar, page_for
from data import audit
from data.audit_anchors import AnchorLog, ChainState, ChainWatch
from data.db import make_sessionmaker, writer_engine
from rules.clock import zone
from tests.support.users import viewer
from tests.ui.common import NOW, context, texts

BISHKEK = zone("Asia/Bishkek")


def acts(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The rows but those of the page's own reads (each query is audited)."""
    return [r for r in rows if r["action"] != "audit log read"]


def said(node: object) -> str:
    return " ".join(texts(node))


def _entries(engine: Engine) -> None:
    with make_sessionmaker(writer_engine(engine)).begin() as s:
        # 23:30 UTC on the 10th is 05:30 on the 11th in Bishkek
        late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
        audit.record(s, "manager", "case_view", "KG-2026-000001", {"via": "api"}, late)
        audit.record(s, "prosecutor", "flag", "KG-2026-000001", {"comment": "почему?"}, late)
        audit.record(s, "admin", "user_add", "auditor", {"role": "admin"}, late)


def _with_watch(engine: Engine, who: str):  # type: ignore[no-untyped-def]
    return replace(context(engine, who), audit_watch=ChainWatch(AnchorLog(lambda: None, "x")))


def test_rows_in_the_page_language_newest_first(engine: Engine) -> None:
    _entries(engine)
    banner, summary, rows = load_audit(_with_watch(engine, "admin"), None, "", None, "", "", "ru")
    assert [r["action"] for r in rows] == [
        "пользователь создан",
        "отметка прокурора",
        "просмотр материала",
    ]
    assert rows[1]["at"] == "11.03.2026, 05:30" and rows[1]["reg_no"] == "KG-2026-000001"
    assert rows[0]["reg_no"] == "" and rows[0]["object"] == "auditor"
    assert (
        rows[1]["detail"] == "комментарий: почему?"
        and rows[2]["detail"] == "через: программный интерфейс"
    )
    assert summary == "Показано записей: 3 (новые сверху; не более 500)"
    # no anchors anywhere (Redis none, the file absent): verified, but said to be unanchored
    assert "Цепочка журнала проверена" in said(banner) and "привязок нет" in said(banner)


def test_filters_and_local_days(engine: Engine) -> None:
    _entries(engine)
    ctx = _with_watch(engine, "prosecutor")
    _, _, rows = load_audit(ctx, " manager ", None, None, None, None, "en")
    assert [r["action"] for r in rows] == ["case viewed"]
    _, _, rows = load_audit(ctx, None, "KG-2026-000001", "flag", None, None, "en")
    assert [r["user"] for r in rows] == ["prosecutor"]
    _, _, rows = load_audit(ctx, None, None, None, "2026-03-11", "2026-03-11", "en")
    assert len(acts(rows)) == 3  # (the 11th in Bishkek)
    _, _, rows = load_audit(ctx, None, None, None, "2026-03-10", "2026-03-10", "en")
    assert rows == []
    _, summary, rows = load_audit(ctx, None, None, None, "2026-03-12", "2026-03-11", "en")
    assert rows == [] and summary == "The start date is after the end date: no entries."
    _, _, rows = load_audit(ctx, None, None, "no-such-action", "31.02.2026", None, "en")
    assert len(acts(rows)) == 3  # (what the page never sends: no filter)


def test_each_query_is_audited_and_others_are_refused(engine: Engine) -> None:
    for who in ("duty", "manager", "monitor"):
        banner, summary, rows = load_audit(
            _with_watch(engine, who), None, None, None, None, None, "en"
        )
        assert rows == [] and banner == "The audit log is for prosecutors and administrators only."
    load_audit(_with_watch(engine, "admin"), "duty", None, "login", None, None, "en")
    with make_sessionmaker(engine)() as s:
        views = audit.list_entries(s, audit.AuditQuery(action="audit_view"))
    assert [(v.user, v.target, v.detail) for v in views] == [
        ("admin", "page:audit", {"filter": {"actor": "duty", "action": "login"}})
    ]


def test_the_banner_says_each_state() -> None:
    at = NOW
    sound = ChainState(True, 10, at, verified_up_to=10, anchored_up_to=9)
    assert "entries up to no. 10 are intact" in said(verification_banner(sound, BISHKEK, "en"))
    assert "vouch for entries up to no. 9" in said(verification_banner(sound, BISHKEK, "en"))
    unreadable = replace(sound, anchored_up_to=None, anchors_readable=False)
    assert "could not be read" in said(verification_banner(unreadable, BISHKEK, "en"))
    broken = ChainState(False, 4, at, first_bad=5, reason="entry 5 was edited")
    shown = said(verification_banner(broken, BISHKEK, "ru"))
    assert "Журнал аудита нарушен на записи №5" in shown and "entry 5 was edited" in shown
    empty = ChainState(True, 0, at + timedelta(hours=1))
    assert "Журнал пуст" in said(verification_banner(empty, BISHKEK, "ru"))


def test_the_page_and_its_link_for_prosecutors_and_admins_only() -> None:
    for who, served in (("admin", True), ("prosecutor", True), ("duty", False), ("manager", False)):
        page = str(page_for("/audit", viewer(who), "en", NOW))
        assert ("audit-grid" in page) is served, who
        assert ("/audit" in str(navbar(viewer(who), "en", "light"))) is served, who
