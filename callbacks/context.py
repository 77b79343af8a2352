"""What a callback needs from the request: the viewer, the stores, the clock, the settings.

Callbacks are written as plain functions of a Context and their inputs (tests call them with a
Context on a real store); the functions registered with Dash only build the Context from the
request and pass it on.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session, sessionmaker

from console.domain.access import Viewer
from data.queries import CaseFilter


@dataclass(frozen=True)
class Context:
    """One callback invocation's view of the world."""

    viewer: Viewer
    sessions: sessionmaker[Session]  # reads
    writer: sessionmaker[Session]  # flags and audit entries
    tz: str = "Asia/Bishkek"
    due_soon: timedelta = timedelta(hours=24)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    map_tiles: str = ""  # optional tile URL template; empty: outlines only, no network

    def case_filter(self, **criteria: object) -> CaseFilter:
        """A CaseFilter always scoped to the viewer's region (empty criteria dropped)."""
        given = {k: v for k, v in criteria.items() if v not in (None, "")}
        return CaseFilter(scope_region=self.viewer.region, **given)  # type: ignore[arg-type]

    def at(self, now: datetime) -> "Context":
        return replace(self, now=now)


def request_context() -> Context:
    """The Context of the current request (inside a Dash callback)."""
    from console.web.auth import current_viewer
    from console.web.state import web_state

    state = web_state()
    return Context(viewer=current_viewer(), sessions=state.sessions, writer=state.writer,
                   tz=state.settings.tz, due_soon=state.due_soon, now=state.now(),
                   map_tiles=state.settings.map_tiles)
