"""The data-health alert: is the data stale or has the stream lost entries? Rendered from the
"health" push (console/web/push.py): the push leader checks once for every page and pushes
when what the banner says changes, and each page gets the latest on connect. No page reads
the store or Redis for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from dash import Dash, Input, Output, State, html
from dash.exceptions import PreventUpdate

from callbacks import inputs
from callbacks.context import request_context
from components import ids
from components.health import health_alert_children, health_messages

NUMBERS = ("behind_s", "lag", "pending", "gaps")  # freshness fields the banner may count with


def _freshness(value: object) -> dict[str, Any] | None:
    """A pushed freshness object (data.ingest_state.IngestFreshness.as_dict), its counts and
    instants checked like any callback input."""
    given = inputs.mapping(value)
    if not given:
        return None
    checked = dict(given)
    for name in NUMBERS:
        checked[name] = inputs.number(given.get(name))
    since = inputs.instant(given.get("stale_since"))
    checked["stale_since"] = since.isoformat() if since else None
    checked["stale"] = given.get("stale") is True
    return checked


def _gap(gap: Mapping[str, Any]) -> dict[str, Any]:
    since = inputs.instant(gap.get("since"))
    return {
        **gap,
        "since": since.isoformat() if since else None,
        "lost_text": inputs.text(gap.get("lost_text")),
    }


def pushed_health(payload: Any, lang: Any, tz: ZoneInfo) -> tuple[bool, list[html.Div]]:
    """(is_open, children) of the alert for a "health" push, in the page's language."""
    payload = inputs.mapping(payload)
    freshness = _freshness(payload.get("freshness"))
    gaps = [_gap(gap) for gap in inputs.rows(payload.get("gaps"))]
    messages = health_messages(freshness, gaps, inputs.language(lang), tz)
    return bool(messages), health_alert_children(messages)


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.HEALTH_ALERT, "is_open"),
        Output(ids.HEALTH_ALERT, "children"),
        Input(ids.SOCKET, "data-health"),
        State(ids.LANG, "data"),
    )
    def update_health_alert(payload: Any, lang: Any) -> tuple[bool, list[html.Div]]:
        if payload is None:  # nothing pushed yet: the banner stays as it is
            raise PreventUpdate
        return pushed_health(payload, lang, request_context().tz)
