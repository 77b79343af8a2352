"""Fixtures of the security tests (besides the console, its test users and logged-in clients of
tests/support/fixtures.py): cases in two regions carrying markers that must never reach the
other region.

Most of these tests do not depend on the store and run on SQLite only (`db_url` below); the
property-based tests and the audit-tampering tests run on PostgreSQL too: their modules
override `db_url` with params=["sqlite", "postgresql"] and tests.support.stores.store_url."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import events as ev
from tests.support.stores import apply_events, sqlite_url

OSH_UNIT, OSH_OFFICER = "ROVD-Osh-City", "20777"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: these tests are about the web layer, not the store."""
    return sqlite_url(tmp_path)


@dataclass(frozen=True)
class Cases:
    """Cases in Bishkek (KG-GB) and in Osh city (KG-GO). Everything Bishkek-specific carries
    a marker that a user of Osh must never be shown."""

    bishkek: str  # overdue, assigned to BISHKEK_UNIT / BISHKEK_OFFICER
    bishkek_hidden: str  # a second Bishkek case, never named in any request
    osh: str  # overdue too, in the viewer's own region
    marker: str = "BISHKEK-SECRET-7f3a"
    unit: str = "OVD-Secret-Unit-7f3a"
    officer: str = "OFFICER-7f3a"

    @property
    def leaks(self) -> tuple[str, ...]:
        """Strings that, in an answer to a user of Osh, mean a Bishkek case leaked."""
        return (self.marker, self.bishkek_hidden, self.unit, self.officer)


@pytest.fixture
def cases(engine: Engine) -> Cases:
    now = datetime.now(UTC)
    made = Cases(
        ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.OSH_CITY)
    )
    apply_events(
        engine,
        [
            ev.registered(
                made.bishkek,
                now - timedelta(days=6),
                summary=f"{made.marker} one",
                address=f"{made.marker} street",
            ),
            ev.assigned(
                made.bishkek, now - timedelta(days=5), unit=made.unit, officer=made.officer
            ),
            ev.registered(
                made.bishkek_hidden, now - timedelta(hours=3), summary=f"{made.marker} two"
            ),
            ev.assigned(
                made.bishkek_hidden, now - timedelta(hours=2), unit=made.unit, officer=made.officer
            ),
            ev.registered(
                made.osh, now - timedelta(days=6), district=ev.OSH_CITY, summary="osh case"
            ),
            ev.assigned(made.osh, now - timedelta(days=5), unit=OSH_UNIT, officer=OSH_OFFICER),
        ],
    )
    return made
