"""What a callback needs from the request: the viewer, the stores, the clock, the settings.

Callbacks are written as plain functions of a Context and their inputs (tests call them with a
Context on a real store); the functions registered with Dash only build the Context from the
request and pass it on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import redis
from flask import current_app
from sqlalchemy.orm import Session, sessionmaker

from data.audit_anchors import ChainWatch
from data.queries import CaseFilter
from data.streams import StreamConfig
from rules.access import Viewer
from rules.clock import DEFAULT_TZ, zone

CONTEXT_PROVIDER = "kup.callback_context"  # app.extensions key: () -> Context


@dataclass(frozen=True)
class Context:
    """One callback invocation's view of the world."""

    viewer: Viewer
    sessions: sessionmaker[Session]  # reads
    writer: sessionmaker[Session]  # flags and audit entries
    tz: ZoneInfo = zone(DEFAULT_TZ)  # the console's zone, resolved once from the settings
    due_soon: timedelta = timedelta(hours=24)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    map_tiles: str = ""  # optional tile URL template; empty: outlines only, no network
    streams: StreamConfig = field(default_factory=StreamConfig)
    redis: redis.Redis | None = None  # the stream's server (health checks)
    audit_watch: ChainWatch | None = None  # the audit chain's verification state (audit page)
    as_of: datetime | None = None  # the instant looked back at (then `now` is it); None: live

    @property
    def stamp(self) -> datetime:
        """The instant a write (an audit entry, a flag) is stamped with: the present, also
        while looking back."""
        return datetime.now(UTC) if self.as_of is not None else self.now

    def case_filter(
        self,
        status: str = "all",
        *,
        region: str | None = None,
        district: str | None = None,
        category: str | None = None,
        kind: str | None = None,
        unit: str | None = None,
        officer: str | None = None,
    ) -> CaseFilter:
        """A CaseFilter always scoped to the viewer's region (empty criteria dropped)."""
        return CaseFilter(
            status=status or "all",
            region=region or None,
            district=district or None,
            category=category or None,
            kind=kind or None,
            unit=unit or None,
            officer=officer or None,
            scope_region=self.viewer.region,
        )

    def at(self, now: datetime) -> Context:
        return replace(self, now=now)


def request_context() -> Context:
    """The Context of the current request (inside a Dash callback), built by the provider the
    app factory installed (`CONTEXT_PROVIDER` in the app's extensions): callbacks sit below the
    web server and never import it."""
    provider: Callable[[], Context] = current_app.extensions[CONTEXT_PROVIDER]
    return provider()
