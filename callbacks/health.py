"""The data-health alert: every 30 s, is the data stale or has the stream lost entries?"""

from __future__ import annotations

from dash import Dash, Input, Output, State

from callbacks import inputs
from callbacks.context import request_context
from components import ids
from components.health import health_alert_children, health_messages
from data.ingest_state import ingest_freshness, read_gaps


def check_health(lang: object) -> tuple[bool, list]:
    """(is_open, children) of the alert for the current request's console."""
    ctx = request_context()  # login required, as for every callback
    assert ctx.redis is not None, "the web app gives callbacks the stream's Redis client"
    with ctx.sessions() as session:
        gaps = [gap.as_dict() for gap in read_gaps(session, ctx.streams.stream)]
        freshness = ingest_freshness(session, ctx.redis, ctx.streams)
    messages = health_messages(freshness.as_dict(), gaps, inputs.language(lang), ctx.tz)
    return bool(messages), health_alert_children(messages)


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.HEALTH_ALERT, "is_open"),
        Output(ids.HEALTH_ALERT, "children"),
        Input(ids.HEALTH_INTERVAL, "n_intervals"),
        State(ids.LANG, "data"),
    )
    def update_health_alert(_: object, lang: object) -> tuple[bool, list]:
        return check_health(lang)
