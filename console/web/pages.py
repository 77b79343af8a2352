"""The console's pages as Dash sees them: the layout function run for each page load, the
callbacks, and the context a callback reads from the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
from dash.development.base_component import Component
from flask import has_request_context, request
from werkzeug.exceptions import Unauthorized

import callbacks
from callbacks.context import Context
from components.i18n import LANGUAGES
from components.layout import LANG_COOKIE, THEME_COOKIE, shell, validation_layout
from console.web.as_of import looking_back_at, unreadable_as_of
from console.web.auth import current_viewer, select_locale
from console.web.state import web_state
from rules.access import Viewer

Pages = tuple[Callable[[], Any] | Any, Callable[[dash.Dash], None]]


def app_layout() -> Component:
    """Dash's layout function: the shell for this request's user, language and theme (outside a
    request, every page at once for Dash's callback validation)."""
    if not has_request_context():
        return validation_layout()
    try:
        viewer: Viewer | None = current_viewer()
    except Unauthorized:  # the login gate answers before Dash in practice
        viewer = None
    theme = request.cookies.get(THEME_COOKIE, "light")
    chosen = request.cookies.get(LANG_COOKIE)
    lang = chosen if chosen in LANGUAGES else select_locale()
    return shell(viewer, lang, theme, web_state().tz, looking_back_at(), unreadable_as_of())


def callback_context() -> Context:
    """The Context of the current request (inside a Dash callback): login required. The app
    factory installs this as the callbacks' context provider; callbacks see only the Context,
    never the Services it is built from."""
    state = web_state()
    return Context(
        viewer=current_viewer(),
        sessions=state.sessions,
        writer=state.writer,
        tz=state.tz,
        due_soon=state.due_soon,
        now=state.now(),
        map_tiles=state.settings.map_tiles,
        streams=state.settings.streams,
        redis=state.metrics.store.client if state.metrics else None,
        audit_watch=state.audit_watch,
        as_of=state.as_of,
    )


def default_pages() -> Pages:
    """The console's pages: the layout function and the callbacks' registration."""
    return app_layout, callbacks.register
