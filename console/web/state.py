"""What the web app's views, callbacks and background tasks share: settings, stores, sockets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from console.config import Settings
from rules.clock import zone

if TYPE_CHECKING:
    from flask_socketio import SocketIO

EXTENSION_KEY = "kup"


@dataclass
class WebState:
    """Per-app resources (one per `create_app`), kept in `app.extensions["kup"]`."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]  # reads
    writer: sessionmaker[Session]  # read-modify-write (BEGIN IMMEDIATE on SQLite)
    redis_url: str
    socketio: SocketIO
    metrics: Any = None  # console.web.observability.Metrics
    pusher: Any = None  # console.web.push.Pusher

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.settings.tz)  # resolved once per name (cached)

    @property
    def due_soon(self) -> timedelta:
        return timedelta(hours=self.settings.due_soon_hours)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


def web_state() -> WebState:
    """The current app's WebState (inside a request, callback or app context)."""
    return current_app.extensions[EXTENSION_KEY]
