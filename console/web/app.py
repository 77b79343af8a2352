"""The app factory: one Flask server carrying Dash, the API, Socket.IO, health and metrics.

Nothing happens at import; `create_app` builds and binds everything for one app. The pages come
from `components.layout.app_layout` (a function, called for every page load) and
`callbacks.register(dash_app)`.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any, NamedTuple

import dash
import socketio as python_socketio
from dash.exceptions import DependencyException
from flask import Flask, Response, jsonify, request
from flask_babel import Babel
from flask_socketio import SocketIO
from sqlalchemy import Engine
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.middleware.proxy_fix import ProxyFix

from callbacks.context import CONTEXT_PROVIDER
from callbacks.inputs import InvalidCallbackInput
from console.config import Settings
from console.web import api, auth, observability, push, security
from console.web.pages import Pages, callback_context, default_pages
from console.web.state import EXTENSION_KEY, WebState
from data import streams
from data.db import make_engine, make_sessionmaker, writer_engine
from data.reference import load_geography
from data.schema import upgrade

WEB_DIR = Path(__file__).resolve().parent
ROOT = WEB_DIR.parent.parent
STATIC_DIR = WEB_DIR / "static"
BOOTSTRAP_CSS = "/static/vendor/bootstrap-5.3.6.min.css"
ASSETS_DIR = ROOT / "components" / "assets"  # the pages' own CSS and JS (Dash assets)
MIN_SECRET_LENGTH = 16
log = logging.getLogger("kup.web")


class ConfigurationError(ValueError):
    """The web console cannot start with these settings."""


class WebApp(NamedTuple):
    """What `create_app` builds."""

    server: Flask
    dash_app: dash.Dash
    socketio: SocketIO
    state: WebState


def secret_key(settings: Settings, testing: bool) -> str:
    """KUP_SECRET_KEY; required (16+ characters) outside demo and test mode."""
    if settings.secret_key:
        if len(settings.secret_key) < MIN_SECRET_LENGTH and not (settings.demo or testing):
            raise ConfigurationError(
                f"KUP_SECRET_KEY must have at least {MIN_SECRET_LENGTH} characters"
            )
        return settings.secret_key
    if settings.demo or testing:
        return secrets.token_urlsafe(32)
    raise ConfigurationError(
        "KUP_SECRET_KEY is not set: the web console signs sessions with it. Set it to a long "
        "random value (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`) "
        "and keep it the same across restarts and web processes."
    )


def warm_up_figures() -> None:
    """Serialise one figure and one numpy array before serving, where orjson and numpy are
    installed: orjson loads its table of numpy types lazily, on the first array it meets, and
    two request threads doing that at once killed a fresh server (SIGILL)."""
    import plotly.graph_objects as go

    go.Figure(go.Scatter(x=[0.5], y=[1.5])).to_json()
    try:
        import numpy
        import orjson
    except ImportError:  # plotly then uses the standard json module: nothing to warm up
        return
    orjson.dumps(numpy.arange(2), option=orjson.OPT_SERIALIZE_NUMPY)


DASH_UPDATE_PATH = "/_dash-update-component"


def _dependency(item: object) -> bool:
    """An input, state or output as dash-renderer names it: {id, property[, value]}."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), (str, dict))
        and isinstance(item.get("property"), str)
    )


def _dependencies(items: object, count: int) -> bool:
    """`count` dependencies, each one or (a pattern's) a list of them."""
    return (
        isinstance(items, list)
        and len(items) == count
        and all(
            _dependency(item) or (isinstance(item, list) and all(map(_dependency, item)))
            for item in items
        )
    )


def callback_request_problem(body: object, callback_map: Mapping[str, Any]) -> str | None:
    """Why a POST to /_dash-update-component is not one dash-renderer sends (None when it
    is): an object naming a registered callback, with its inputs and states in their number,
    its outputs, and changed props Dash can read. Dash trusts all of this (a forged
    envelope raised KeyError or AttributeError in Dash: a 500); the values inside are the
    callbacks' to check (callbacks/inputs.py)."""
    if not isinstance(body, dict):
        return "the body must be an object"
    output = body.get("output")
    spec = callback_map.get(output) if isinstance(output, str) else None
    if spec is None:
        return "no such callback"
    for part in ("inputs", "state"):
        if not _dependencies(body.get(part, []), len(spec.get(part, []))):
            return f"{part} must name the callback's {len(spec.get(part, []))} {part}"
    outputs = body.get("outputs")
    if not (
        _dependencies(outputs, output.count("...") + 1)
        if output.startswith("..")
        else _dependency(outputs)
    ):
        return "outputs must name the callback's outputs"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(map(_prop_id, changed)):
        return 'changedPropIds must be "<id>.<property>" texts'
    return None


def _prop_id(value: object) -> bool:
    """A changed prop as Dash reads it: "<id>.<property>", a pattern's id a JSON object."""
    if not isinstance(value, str):
        return False
    component = value.rpartition(".")[0]
    if not component.startswith("{"):
        return True
    try:
        return isinstance(json.loads(component), dict)
    except ValueError:
        return False


def refuse_callback_input(exc: InvalidCallbackInput) -> tuple[Response, int]:
    """A callback input of a form the page never sends (callbacks/inputs.py): 400 with what was
    expected; logged at WARNING without the value or a traceback."""
    body = request.get_json(silent=True)
    output = str(body.get("output", ""))[:300] if isinstance(body, dict) else ""
    log.warning("callback input refused (%s): %s", output, exc)
    return jsonify(error=f"invalid input to callback {output}: {exc}"), 400


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    redis_url: str | None = None,
    testing: bool = False,
    pages: Pages | None = None,
    config: Mapping[str, Any] | None = None,
    start_push: bool | None = None,
    message_queue: bool = True,
) -> WebApp:
    """Build the web console for `settings`.

    `engine` defaults to one on the configured store (migrated); `redis_url` to the configured
    (or embedded) Redis. `pages` replaces (layout, register) (tests); `config` overrides Flask
    settings (e.g. KUP_LOGIN_RATE). The push task starts unless `start_push` is False (default:
    not in testing; tests start `state.pusher` themselves). Emits go through the Redis message
    queue (reaching the clients of every web process) unless `message_queue` is False (one
    process only; what Flask-SocketIO's test client needs).
    """
    key = secret_key(settings, testing)
    if engine is None:
        engine = make_engine(settings.effective_database_url)
        upgrade(engine)
    redis_url = redis_url or streams.redis_url(settings.redis_url, settings.data_dir)

    warm_up_figures()
    server = Flask(
        "console.web",
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
        template_folder=str(WEB_DIR / "templates"),
    )
    server.config.update(
        SECRET_KEY=key,
        TESTING=testing,
        DEBUG=False,
        SESSION_COOKIE_NAME="kup_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.https,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE=auth.DEFAULT_LANGUAGE,
        BABEL_DEFAULT_TIMEZONE=settings.tz,
        JSON_SORT_KEYS=False,
    )
    server.config.update(config or {})
    if settings.https:  # behind a TLS-terminating proxy: trust its X-Forwarded-Proto/For
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    socketio = SocketIO()
    state = WebState(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        writer=make_sessionmaker(writer_engine(engine)),
        redis_url=redis_url,
        socketio=socketio,
    )
    server.extensions[EXTENSION_KEY] = state
    server.extensions[CONTEXT_PROVIDER] = callback_context
    queue = (
        {
            "client_manager": python_socketio.RedisManager(
                redis_url, channel=f"{settings.stream}:socketio", redis_options={"protocol": 2}
            )
        }
        if message_queue
        else {}
    )
    socketio.init_app(server, async_mode="threading", logger=False, engineio_logger=False, **queue)
    Babel(server, locale_selector=auth.select_locale, timezone_selector=lambda: settings.tz)

    dash_app = dash.Dash(
        "console.web",
        server=server,
        url_base_pathname="/",
        external_stylesheets=[BOOTSTRAP_CSS],
        assets_folder=str(ASSETS_DIR),
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
        title="КУП · оперативная консоль",
    )
    layout, register = pages or default_pages()
    dash_app.layout = layout
    register(dash_app)

    csrf = security.init_security(server, dash_app, settings)
    auth.init_auth(server, csrf)

    @server.before_request
    def refuse_forged_callback_requests() -> tuple[Response, int] | None:
        """(After the login and CSRF checks.) A 400, not Dash's 500, for a callback request
        of a form dash-renderer never sends; logged at WARNING without the body."""
        if request.path != DASH_UPDATE_PATH or request.method != "POST":
            return None
        problem = callback_request_problem(request.get_json(silent=True), dash_app.callback_map)
        if problem is None:
            return None
        log.warning("callback request refused: %s", problem)
        return jsonify(error=f"not a callback request: {problem}"), 400

    server.register_blueprint(api.bp)
    server.register_blueprint(observability.bp)
    for endpoint in ("obs.healthz", "obs.metrics"):  # probes may speak plain HTTP
        server.view_functions[endpoint] = security.plain_http_allowed(
            server.view_functions[endpoint]
        )
    server.register_error_handler(HTTPException, api.api_http_error)
    # Dash raises DependencyException for a file it does not serve: a 404, not a 500.
    server.register_error_handler(DependencyException, lambda _: NotFound().get_response())
    server.register_error_handler(InvalidCallbackInput, refuse_callback_input)

    state.metrics = observability.Metrics(state)
    state.pusher = push.Pusher(
        socketio,
        settings,
        state.sessions,
        redis_url,
        state.metrics,
        regions=frozenset(load_geography().regions),
    )
    push.register_socket_handlers(socketio, lambda: state.pusher)
    if start_push if start_push is not None else not testing:
        state.pusher.start()
    return WebApp(server, dash_app, socketio, state)
