"""The data-health alert: stale data and stream gaps, said in the page's language, rendered from
the push leader's "health" push (checked like any callback input)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import plotly
import pytest

from callbacks.health import pushed_health
from callbacks.inputs import InvalidCallbackInput
from components import ids
from components.health import health_messages
from data import streams
from tests.support import events as ev
from tests.support.web import call

GAP = {"kind": "trimmed", "count": 15, "count_exact": True, "since": "2026-11-28T03:00:00+00:00"}
FRESH = {"stale": False, "stale_since": None, "behind_s": 0, "lag": 0}
BISHKEK = ZoneInfo("Asia/Bishkek")  # pins the local times below
STALE = {"stale": True, "stale_since": "2026-11-28T03:00:00+00:00", "behind_s": 600, "lag": 42}


def test_no_message_when_data_is_fresh_and_complete() -> None:
    assert health_messages(FRESH, [], "ru", BISHKEK) == []


def test_gap_says_how_many_and_since_when_in_local_time() -> None:
    [message] = health_messages(FRESH, [GAP], "ru", BISHKEK)
    assert message.startswith("Потеряны записи потока: 15 (с 28.11.2026, 09:00")


def test_unknown_loss_is_said_as_unknown() -> None:
    [message] = health_messages(None, [dict(GAP, count=None, count_exact=False)], "en", BISHKEK)
    assert message.startswith("Stream entries lost: unknown (since 11/28/2026, 9:00\u202fAM")


def test_a_floor_and_the_kind_are_said_in_the_page_language() -> None:
    vanished = dict(GAP, kind="vanished", count=3, count_exact=False, since=None)
    [ru, ky, en] = (
        health_messages(None, [vanished], lang, "Asia/Bishkek") for lang in ("ru", "ky", "en")
    )
    assert ru == [
        "Потеряны записи потока: не менее 3 (с неизвестно) — поток пропал вместе с данными"
        " Redis или был удалён"
    ]
    assert ky[0].startswith("Потеряны записи потока: кеминде 3 (с белгисиз)")
    assert en[0].startswith(
        "Stream entries lost: at least 3 (since unknown) — gone with the stream"
    )


def test_stale_says_how_far_behind() -> None:
    [message] = health_messages(STALE, [], "en", BISHKEK)
    assert "42 stream entries not stored yet" in message and "(10 min ago)" in message


def test_pushed_health_in_the_pages_language() -> None:
    is_open, children = pushed_health({"freshness": STALE, "gaps": [GAP]}, "en", BISHKEK)
    said = json.dumps(children, cls=plotly.utils.PlotlyJSONEncoder)
    assert is_open and "Stream entries lost: 15" in said and "42 stream entries" in said
    assert pushed_health({"freshness": FRESH, "gaps": []}, "ru", BISHKEK) == (False, [])


@pytest.mark.parametrize(
    "payload",
    [
        {"freshness": {**STALE, "behind_s": "600"}, "gaps": []},
        {"freshness": [], "gaps": []},
        {"freshness": FRESH, "gaps": {"since": "x"}},
        {"freshness": FRESH, "gaps": [{**GAP, "lost_text": 15}]},
    ],
)
def test_a_forged_health_push_is_refused(payload: dict) -> None:
    with pytest.raises(InvalidCallbackInput):
        pushed_health(payload, "en", BISHKEK)


def test_served_alert_opens_from_the_leaders_push_when_ingest_is_stopped(
    console, client_for, redis_client
) -> None:  # type: ignore[no-untyped-def]
    """The push leader checks once (check_health) and the page renders what it pushed; it
    pushes again only when what the banner says changes."""
    settings, pusher = console.state.settings, console.state.pusher
    state = [{"id": ids.LANG, "property": "data", "value": "en"}]
    client = client_for("duty")

    def banner(payload: object) -> dict:
        inputs = [{"id": ids.SOCKET, "property": "data-health", "value": payload}]
        return call(console, client, ids.HEALTH_ALERT, inputs, state)["response"][ids.HEALTH_ALERT]

    calm = pusher.check_health()
    assert calm is not None and banner(json.loads(json.dumps(calm)))["is_open"] is False
    assert pusher.check_health() is None  # nothing changed: nothing pushed
    streams.ensure_group(redis_client, settings.stream, settings.group)
    five_minutes_ago = int(datetime.now(UTC).timestamp() * 1000) - 300_000
    redis_client.xadd(
        settings.stream,
        ev.registered(ev.next_reg_no(), datetime.now(UTC)),
        id=f"{five_minutes_ago}-0",
    )
    alarmed = pusher.check_health()
    assert alarmed is not None and pusher.current_health() == json.loads(json.dumps(alarmed))
    alert = banner(json.loads(json.dumps(alarmed)))
    assert alert["is_open"] is True and "Data is stale" in json.dumps(alert["children"])
