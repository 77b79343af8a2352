"""The case page's alert card and the overdue grid's alert words on a real store: who sees
which buttons, nothing for another region's case, the comment required, and the steps shown
with who and when in the page's language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from callbacks.case import act_on_alert, show_alerts
from callbacks.overdue import read_lists
from components import ids
from components.overdue import case_rows
from data import alerts
from data.db import make_sessionmaker, writer_engine
from tests.ui.common import NO_FILTERS, NOW, context, texts, walk


def raise_for(engine: Engine, reg_no: str) -> int:
    writer = make_sessionmaker(writer_engine(engine))
    with writer.begin() as s:
        case = alerts.visible_case(s, context(engine, "admin").viewer, reg_no)
        assert case is not None
        alert = alerts.raise_alert(
            s, reg_no, case.district, case.region, case.deadline, "overdue", NOW
        )
        assert alert is not None
        return alert.id


def said(node: object) -> str:
    """The words of a layout tree, as read."""
    return " ".join(texts(node))


def buttons(node: object) -> set[str]:
    """The actions of the alert buttons in a layout tree."""
    return {
        str(c.id["action"])
        for c in walk(node)
        if isinstance(getattr(c, "id", None), dict) and c.id.get("type") == ids.ALERT_ACTION_TYPE
    }


def test_card_buttons_by_role_and_region(engine: Engine, cases: dict[str, str]) -> None:
    alert_id = raise_for(engine, cases["B"])
    assert show_alerts(context(engine, "duty"), cases["A"], "ru") is None  # no alert
    assert show_alerts(context(engine, "manager-osh"), cases["B"], "ru") is None  # Bishkek's
    assert buttons(show_alerts(context(engine, "duty"), cases["B"], "ru")) == {"ack", "close"}
    assert buttons(show_alerts(context(engine, "prosecutor"), cases["B"], "ru")) == set()
    refused, done = act_on_alert(context(engine, "duty"), alert_id, "ack", "  ", None, "ru")
    assert not done and "Напишите комментарий" in said(refused)
    message, done = act_on_alert(context(engine, "duty"), alert_id, "ack", "Звоню", None, "en")
    assert done and "Alert acknowledged" in said(message)
    card = show_alerts(context(engine, "manager"), cases["B"], "en")
    assert buttons(card) == {"claim", "close"}
    shown = said(card)
    assert (
        "acknowledged" in shown and "Звоню" in shown and "duty, 3/11/2026, 12:00" in shown
    )  # local time
    nobody, done = act_on_alert(context(engine, "manager"), alert_id, "claim", "go", " ", "en")
    assert not done and "Name the assignee" in said(nobody)
    claimed, done = act_on_alert(
        context(engine, "manager"), alert_id, "claim", "go", "Asanov", "en"
    )
    assert done and "Alert claimed" in said(claimed)
    assert "Assignee: Asanov" in said(show_alerts(context(engine, "duty"), cases["B"], "en"))
    denied, done = act_on_alert(context(engine, "prosecutor"), alert_id, "close", "x", None, "en")
    assert not done and "may not act" in said(denied)


def test_overdue_grid_shows_the_live_alert(engine: Engine, cases: dict[str, str]) -> None:
    raise_for(engine, cases["B"])
    later = context(engine, "duty", NOW + timedelta(minutes=1))
    overdue, _, _, _ = read_lists(later, NO_FILTERS)
    rows = {r["reg_no"]: r for r in case_rows(overdue, "ru", later.tz, later.now)}
    assert rows[cases["B"]]["flag"] == "тревога: открыта"
    assert rows[cases["F"]]["flag"] == ""
