"""Fixtures of the UI tests (besides the console and logged-in clients of
tests/support/fixtures.py): a small hand-made store at the fixed instant NOW."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from tests.support import events as ev
from tests.support.stores import apply_events
from tests.ui.common import MARKUP, NOW


@pytest.fixture
def cases(engine: Engine) -> dict[str, str]:
    """Bishkek: A (new, markup summary, with coordinates), B (overdue, unit U1), I (due in 12
    hours, unit U2). Osh city: F (overdue, new an hour ago)."""
    minutes = timedelta(minutes=1)
    a, b, i = (ev.next_reg_no(ev.BISHKEK) for _ in range(3))
    f = ev.next_reg_no(ev.OSH_CITY)
    apply_events(
        engine,
        [
            ev.registered(a, NOW - 30 * minutes, summary=MARKUP, lat="42.87", lon="74.59"),
            ev.registered(b, NOW - timedelta(days=5), category="fraud"),
            ev.registered(i, NOW - timedelta(days=2, hours=16)),
            ev.registered(
                f,
                NOW - 60 * minutes,
                district=ev.OSH_CITY,
                received_at=NOW - timedelta(days=5),
                lat="40.51",
                lon="72.80",
            ),
        ],
        now=NOW,
    )
    apply_events(
        engine,
        [
            ev.assigned(b, NOW - timedelta(days=4), unit="U1", officer="222"),
            ev.assigned(i, NOW - timedelta(days=2), unit="U2", officer="333"),
        ],
        now=NOW,
    )
    return {"A": a, "B": b, "I": i, "F": f}
