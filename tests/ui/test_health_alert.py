"""The data-health alert: stale data and stream gaps, said in the page's language."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from components import ids
from components.health import health_messages
from data import streams
from tests.support import events as ev
from tests.support.web import call

GAP = {"kind": "trimmed", "lost_text": "15", "since": "2026-11-28T03:00:00+00:00"}
FRESH = {"stale": False, "stale_since": None, "behind_s": 0, "lag": 0}
STALE = {"stale": True, "stale_since": "2026-11-28T03:00:00+00:00", "behind_s": 600, "lag": 42}


def test_no_message_when_data_is_fresh_and_complete() -> None:
    assert health_messages(FRESH, [], "ru", "Asia/Bishkek") == []


def test_gap_says_how_many_and_since_when_in_local_time() -> None:
    [message] = health_messages(FRESH, [GAP], "ru", "Asia/Bishkek")
    assert message.startswith("Потеряны записи потока: 15 (с 28.11.2026 09:00")


def test_unknown_loss_is_said_as_unknown() -> None:
    [message] = health_messages(None, [dict(GAP, lost_text="unknown")], "en", "Asia/Bishkek")
    assert message.startswith("Stream entries lost: unknown (since 28.11.2026 09:00")


def test_stale_says_how_far_behind() -> None:
    [message] = health_messages(STALE, [], "en", "Asia/Bishkek")
    assert "42 stream entries not stored yet" in message and "(10 min ago)" in message


def test_served_alert_opens_when_ingest_is_stopped(console, client_for, redis_client) -> None:  # type: ignore[no-untyped-def]
    settings = console.state.settings
    inputs = [{"id": ids.HEALTH_INTERVAL, "property": "n_intervals", "value": 1}]
    state = [{"id": ids.LANG, "property": "data", "value": "en"}]
    client = client_for("duty")
    calm = call(console, client, ids.HEALTH_ALERT, inputs, state)
    assert calm["response"][ids.HEALTH_ALERT]["is_open"] is False
    streams.ensure_group(redis_client, settings.stream, settings.group)
    five_minutes_ago = int(datetime.now(UTC).timestamp() * 1000) - 300_000
    redis_client.xadd(
        settings.stream,
        ev.registered(ev.next_reg_no(), datetime.now(UTC)),
        id=f"{five_minutes_ago}-0",
    )
    alarmed = call(console, client, ids.HEALTH_ALERT, inputs, state)
    alert = alarmed["response"][ids.HEALTH_ALERT]
    assert alert["is_open"] is True and "Data is stale" in json.dumps(alert["children"])
