"""The app factory: one Flask server carrying Dash, the API, Socket.IO, health and metrics.

`create_app` only binds: it builds the Flask and Dash apps on the Services it is given and
registers the pages, views, extensions and socket handlers. It migrates nothing, connects to
nothing and starts no thread; the push task it binds is started by whoever serves the app
(`console.web.server.start_tasks`, called by `serve`) or by a test that asks for it. Flask's
config comes from Settings through `flask_config`, and only from there.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import dash
import socketio as python_socketio
from dash.exceptions import DependencyException
from flask import Flask
from flask_babel import Babel
from flask_socketio import SocketIO
from werkzeug.exceptions import HTTPException, NotFound

from callbacks.context import CONTEXT_PROVIDER
from console.config import Settings
from console.runtime import Services
from console.web import (
    alerts_api,  # noqa: F401  (its routes join the API's blueprint)
    api,
    as_of,
    audit_api,
    auth,
    notify_page,
    observability,
    push,
    receipts,
    reports,
    security,
    sessions,
)
from console.web.answers import AnswerCache
from console.web.callback_guard import init_callback_guard
from console.web.pages import Pages, callback_context, default_pages
from console.web.state import EXTENSION_KEY
from console.web.websockets import close_websockets_safely
from data.reference import load_geography
from rules.receipts import receipt_key

WEB_DIR = Path(__file__).resolve().parent
ROOT = WEB_DIR.parent.parent
STATIC_DIR = WEB_DIR / "static"
BOOTSTRAP_CSS = "/static/vendor/bootstrap-5.3.6.min.css"
ASSETS_DIR = ROOT / "components" / "assets"  # the pages' own CSS and JS (Dash assets)
MIN_SECRET_LENGTH = 16
MAX_REQUEST_BYTES = 16 * 1024 * 1024


class ConfigurationError(ValueError):
    """The web console cannot start with these settings."""


class WebApp(NamedTuple):
    """What `create_app` builds: the servers, and the Services they were bound to (`state`)."""

    server: Flask
    dash_app: dash.Dash
    socketio: SocketIO
    state: Services


def secret_key(settings: Settings) -> str:
    """KUP_SECRET_KEY; required (16+ characters) outside demo and test mode, where a missing
    one is replaced by a throwaway key (CSRF tokens then end with the process)."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET_LENGTH and not (settings.demo or settings.testing):
            raise ConfigurationError(
                f"KUP_SECRET_KEY must have at least {MIN_SECRET_LENGTH} characters"
            )
        return settings.secret_key
    if settings.demo or settings.testing:
        return secrets.token_urlsafe(32)
    raise ConfigurationError(
        "KUP_SECRET_KEY is not set: the web console signs its CSRF tokens with it. Set it to a "
        "long random value (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`) "
        "and keep it the same across restarts and web processes."
    )


def _session_times(settings: Settings) -> tuple[timedelta, timedelta]:
    """The sessions' idle timeout and absolute lifetime; ConfigurationError unless positive."""
    if not (settings.session_idle_minutes > 0 and settings.session_max_hours > 0):
        raise ConfigurationError(
            "KUP_SESSION_IDLE_MINUTES and KUP_SESSION_MAX_HOURS must be greater than 0"
        )
    return timedelta(minutes=settings.session_idle_minutes), timedelta(
        hours=settings.session_max_hours
    )


def flask_config(settings: Settings) -> dict[str, Any]:
    """Flask's config (its extensions' included) for `settings`: the one place where a
    setting becomes a Flask config value. Raises ConfigurationError for an unusable key,
    session time or proxy."""
    idle, lifetime = _session_times(settings)
    secret = secret_key(settings)
    try:
        proxies = security.proxy_networks(settings.trusted_proxies)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None
    return {
        "SECRET_KEY": secret,
        "TESTING": settings.testing,
        "DEBUG": False,
        "SESSION_COOKIE_NAME": "kup_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.https,
        "PERMANENT_SESSION_LIFETIME": lifetime,  # a session's absolute end (sessions.py)
        sessions.IDLE_CONFIG: idle,
        "KUP_TRUSTED_PROXIES": proxies,  # read by security.TrustedProxies
        "MAX_CONTENT_LENGTH": MAX_REQUEST_BYTES,
        "JSON_SORT_KEYS": False,
        "BABEL_DEFAULT_LOCALE": auth.DEFAULT_LANGUAGE,
        "BABEL_DEFAULT_TIMEZONE": settings.tz,
        "KUP_LOGIN_RATE": settings.login_rate,  # read by the login throttle (auth.py)
        # the complainant's receipt page (receipts.py): its codes' key, its lookups' limit
        receipts.KEY_CONFIG: receipt_key(settings.receipt_secret or secret),
        receipts.RATE_CONFIG: settings.receipt_rate,
        # CSRF (security.py): checked in check_csrf, which knows about bearer tokens; valid as
        # long as the session (wall screens stay open); the header dash-renderer sends.
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_FIELD_NAME": security.CSRF_FIELD,
        "WTF_CSRF_HEADERS": [security.CSRF_HEADER, "X-CSRF-Token"],
        "WTF_CSRF_SSL_STRICT": settings.https,
    }


def create_app(
    services: Services, *, pages: Pages | None = None, message_queue: bool = True
) -> WebApp:
    """Build the web console on `services` (its settings, its store, which the caller has
    migrated, and its Redis); one app per Services, which the app's parts are bound to.

    `pages` replaces (layout, register) (tests). Emits go through the Redis message queue
    (reaching the clients of every web process) unless `message_queue` is False (one process
    only; what Flask-SocketIO's test client needs).
    """
    settings = services.settings
    config = flask_config(settings)  # refuses a bad secret key before anything is built
    server = Flask(
        "console.web",
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
        template_folder=str(WEB_DIR / "templates"),
    )
    server.config.from_mapping(config)
    server.json = api.RequestJSONProvider(server)  # too deep a JSON body: 400, not 500
    # X-Forwarded-* believed from the trusted proxies only. Flask documents wrapping
    # `wsgi_app` in middleware, but types it as a method, which mypy will not let be assigned.
    server.wsgi_app = security.TrustedProxies(server.wsgi_app, config["KUP_TRUSTED_PROXIES"])  # type: ignore[method-assign]
    server.session_interface = sessions.RedisSessionInterface(sessions.session_store(services))

    socketio = SocketIO()
    services.socketio = socketio
    server.extensions[EXTENSION_KEY] = services
    server.extensions[CONTEXT_PROVIDER] = callback_context
    queue = (
        {
            "client_manager": python_socketio.RedisManager(
                services.redis_url,
                channel=f"{settings.stream}:socketio",
                redis_options={"protocol": 2},
            )
        }
        if message_queue
        else {}
    )
    # WebSocket only: a client's one connection is held by one worker (no sticky routing);
    # types-Flask-SocketIO lacks python-engineio's `transports`.
    socketio.init_app(  # type: ignore[call-arg]
        server,
        async_mode="threading",
        transports=["websocket"],
        logger=False,
        engineio_logger=False,
        **queue,
    )
    close_websockets_safely(socketio.server.eio)  # type: ignore[attr-defined]  # (untyped)
    Babel(server, locale_selector=auth.select_locale, timezone_selector=lambda: settings.tz)

    dash_app = dash.Dash(
        "console.web",
        # Dash documents a server instance here (Flask, Quart or FastAPI), but annotates
        # `server` as `bool | Callable[[], Any]`, which a Flask app is not.
        server=server,  # type: ignore[arg-type]
        url_base_pathname="/",
        external_stylesheets=[BOOTSTRAP_CSS],
        assets_folder=str(ASSETS_DIR),
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title="",  # the tab's title stays as it is while callbacks run
        title="КУП · оперативная консоль",
    )
    layout, register = pages or default_pages()
    dash_app.layout = layout
    register(dash_app)

    csrf = security.init_security(server, dash_app, settings)
    limiter = auth.init_auth(server, csrf)
    receipts.init_receipts(server, limiter)
    init_callback_guard(server, dash_app)  # after the login and CSRF checks
    prefix = dash_app.config.routes_pathname_prefix  # Dash's page: its index and catch-all
    as_of.install(server, pages=(prefix, f"{prefix}<path:path>"))  # after the login: 401 first

    server.register_blueprint(api.bp)
    server.extensions[api.ANSWERS_KEY] = AnswerCache()  # the API's kept answers
    server.register_blueprint(audit_api.bp)
    server.register_blueprint(observability.bp)
    server.register_blueprint(reports.bp)
    server.register_blueprint(notify_page.bp)
    for endpoint in observability.PROBE_ENDPOINTS:  # probes may speak plain HTTP
        server.view_functions[endpoint] = security.plain_http_allowed(
            server.view_functions[endpoint]
        )
    server.register_error_handler(HTTPException, api.api_http_error)
    for store_error in api.STORE_ERRORS:  # the database down: 503, not a 500 and a traceback
        server.register_error_handler(store_error, api.store_unavailable)
    # Dash raises DependencyException for a file it does not serve: a 404, not a 500.
    server.register_error_handler(DependencyException, lambda _: NotFound().get_response())

    services.metrics = observability.Metrics(services)
    services.pusher = push.Pusher(
        socketio,
        settings,
        services.sessions,
        services.redis_url,
        services.metrics,
        writer=services.writer,
        regions=frozenset(load_geography().regions),
    )
    push.register_socket_handlers(socketio, lambda: services.pusher)
    return WebApp(server, dash_app, socketio, services)
