"""Who is asking: Flask-Login sessions from the `/login` form (kept in Redis: sessions.py),
per-user bearer tokens for the API, the gate that requires one of them for every page, Dash
callback and API route, login throttling, and `current_viewer()` for the callbacks.

Logins are throttled twice, both in Redis (shared by every web process): per client address
over all accounts (Flask-Limiter, `KUP_LOGIN_RATE`), and per (account, address) with growing
delays plus a console-wide cap against spraying (data.login_throttle). The client address is
the direct peer's unless it is a trusted proxy (security.TrustedProxies).
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

import redis
from flask import (
    Blueprint,
    Flask,
    Request,
    Response,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import Forbidden, TooManyRequests, Unauthorized
from werkzeug.wrappers import Response as BaseResponse

from components.i18n import DEFAULT_LANG, LANGUAGE_NAMES, LANGUAGES, t
from console.web.identity import IdentityCache
from console.web.security import CSRF_COOKIE, check_csrf
from console.web.sessions import (
    EPOCH_KEY,
    end_session,
    end_user_sessions,
    forget_login,
    identities_generation,
    login_throttle,
    renew_session,
)
from console.web.state import EXTENSION_KEY, web_state
from data import audit, users
from data.login_throttle import LoginThrottle, Refusal
from rules import passwords
from rules.access import Viewer

log = logging.getLogger("kup.web.auth")
DEFAULT_LANGUAGE = DEFAULT_LANG
# Reachable without logging in: the login form, language choice, the health word, and the
# static files the login page and Dash's renderer load (no case data in any of them). Only these
# exact endpoints: any other path (`/_favicon.icoX`, `/_dash-component-suites/x`, which Dash's
# catch-all page would serve) asks for a login like every protected path. Dash names its routes'
# endpoints by their rules.
DASH_FAVICON = "/_favicon.ico"
DASH_COMPONENT_SUITES = "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>"
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "auth.login",
        "auth.set_language",
        "obs.healthz",
        "receipt.receipt",  # the complainant's receipt page (receipts.py)
        "_dash_assets.static",
        DASH_FAVICON,
        DASH_COMPONENT_SUITES,
    }
)
JSON_PREFIXES = ("/api/", "/_dash-", "/_reload-hash", "/healthz/", "/metrics")
# What a session whose password an admin reset may still reach before setting a new one.
RESET_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "auth.set_language"})
# All an account that sees no cases (rules.access Viewer.sees_cases: a monitor) may reach.
NO_CASE_ENDPOINTS = frozenset({"obs.health_detail", "obs.metrics", "api.openapi", *RESET_ENDPOINTS})
PASSWORD_PATH = "/account/password"
THROTTLE_KEY = "kup.login_throttle"  # the app's LoginThrottle, in `server.extensions`
IDENTITIES_KEY = "kup.identities"  # the app's IdentityCache, in `server.extensions`
bp = Blueprint("auth", __name__)


class LoginUser(UserMixin):  # type: ignore[misc]  # Flask-Login ships no type hints
    """The Flask-Login user: a thin wrapper of data.users.UserInfo."""

    def __init__(self, info: users.UserInfo) -> None:
        self.info = info

    def get_id(self) -> str:
        return str(self.info.id)

    @property
    def viewer(self) -> Viewer:
        return self.info.viewer


def current_viewer() -> Viewer:
    """The logged-in user as the access rules see them (role, region); 401 if nobody is."""
    if not current_user.is_authenticated:
        raise Unauthorized("login required")
    viewer: Viewer = current_user.viewer  # a LoginUser's (Flask-Login ships no type hints)
    return viewer


def identities() -> IdentityCache:
    """This web process's cache of logged-in users' identities (console.web.identity)."""
    cache: IdentityCache = current_app.extensions[IDENTITIES_KEY]
    return cache


def _load_session_user(user_id: str) -> LoginUser | None:
    """The session's user, if enabled and the session is of the user's current epoch (not
    ended by disabling the user or a new password): from this process's identity cache when it
    holds the user for this epoch, else from the store."""
    info = None
    epoch = session.get(EPOCH_KEY)
    if user_id.isdigit():
        info = identities().get(int(user_id), epoch)
        if info is None:
            with web_state().sessions() as s:
                info = users.get_user(s, int(user_id))
            if info is not None and epoch == info.session_epoch:
                identities().put(info.id, info, epoch)
    if info is None or epoch != info.session_epoch:
        forget_login()
        return None
    g.kup_auth = "session"
    return LoginUser(info)


def _load_token_user(req: Request) -> LoginUser | None:
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    token = token.strip()
    key, generation = users.token_digest(token), _identities_generation()
    info = identities().get(key, generation) if generation else None
    if info is None:
        with web_state().sessions() as s:
            info = users.user_by_token(s, token)
        if info is None:
            return None
        if generation:
            identities().put(key, info, generation)
    g.kup_auth = "token"
    return LoginUser(info)


def _identities_generation() -> bytes | None:
    """The identities' generation in Redis (None if Redis cannot be read: no caching)."""
    try:
        return identities_generation()
    except (redis.RedisError, OSError):
        return None


def safe_next(target: str | None) -> str:
    """A local path to go to after logging in (never another site: no open redirect)."""
    if not target:
        return "/"
    target = target.strip()
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or parts.scheme
        or parts.netloc
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    return target


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def _is_public() -> bool:
    return request.endpoint in PUBLIC_ENDPOINTS


def init_auth(server: Flask, csrf: CSRFProtect) -> Limiter:
    """Bind Flask-Login, the login throttle and the gate; register /login, /logout, /lang."""
    manager = LoginManager()
    manager.session_protection = "basic"
    manager.user_loader(_load_session_user)
    manager.request_loader(_load_token_user)
    manager.init_app(server)
    services = server.extensions[EXTENSION_KEY]
    server.extensions[THROTTLE_KEY] = login_throttle(services)
    server.extensions[IDENTITIES_KEY] = IdentityCache(services.settings.identity_max_age_s)
    limiter = Limiter(
        get_remote_address,
        app=server,
        # Counts in Redis, shared by every web process (memory:// counted per process).
        storage_uri=_limiter_storage(services.redis_url),
        storage_options={"protocol": 2, "socket_timeout": 5, "socket_connect_timeout": 5},
        key_prefix=f"{services.settings.stream}:login-rate",
        default_limits=[],
        # (its headers would put the window's reset in every answer's Retry-After, 200s too,
        # over the login throttle's own)
        headers_enabled=False,
    )
    server.register_blueprint(bp)
    # The limit applies through the wrapper, so it replaces this app's view of /login.
    # The password page checks the current password, so it is throttled like the login.
    for endpoint, view in (("auth.login", login), ("auth.change_password", change_password)):
        server.view_functions[endpoint] = limiter.limit(
            lambda: current_app.config["KUP_LOGIN_RATE"], methods=["POST"]
        )(view)

    @server.before_request
    def require_login() -> BaseResponse | tuple[Response, int] | None:
        if _is_public():
            check_csrf(csrf)
            return None
        if not current_user.is_authenticated:
            if wants_json():
                response = jsonify(error="login required")
                response.headers["WWW-Authenticate"] = 'Bearer realm="kup-console"'
                return response, 401
            return redirect(url_for("auth.login", next=_requested_path()))
        if _must_change_password() and request.endpoint not in RESET_ENDPOINTS:
            if wants_json():
                return jsonify(error="password change required", change_password=PASSWORD_PATH), 403
            return redirect(url_for("auth.change_password"))
        if not current_viewer().sees_cases and request.endpoint not in NO_CASE_ENDPOINTS:
            raise Forbidden("this account sees no cases: health detail and metrics only")
        check_csrf(csrf)
        return None

    server.register_error_handler(CSRFError, _csrf_refused)
    server.register_error_handler(TooManyRequests, _throttled)
    server.register_error_handler(redis.RedisError, _sessions_unavailable)
    return limiter


def _limiter_storage(redis_url: str) -> str:
    """The `limits` storage URI of a Redis URL (a socket's is spelled redis+unix://)."""
    return "redis+" + redis_url if redis_url.startswith("unix://") else redis_url


def _throttle() -> LoginThrottle:
    throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
    return throttle


def _client_address() -> str:
    """The client's address: the peer's, or a trusted proxy's X-Forwarded-For."""
    return request.remote_addr or ""


def _must_change_password() -> bool:
    """A session (not an API token: a separate secret for scripts) of a user whose password an
    admin has reset."""
    return g.get("kup_auth") == "session" and bool(current_user.info.must_change_password)


def _requested_path() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path


def _csrf_refused(error: CSRFError) -> tuple[Response | str, int]:
    if request.endpoint == "auth.login":
        if sessions_down():  # the form's token was never kept: not the form's fault
            return _login_page(error="unavailable", status=503)
        return _login_page(error="expired", status=400)
    return jsonify(error=f"CSRF check failed: {error.description}"), 400


def _throttled(error: TooManyRequests) -> tuple[Response | str, int]:
    if request.endpoint == "auth.login":
        return _login_page(error="throttled", status=429)
    if request.endpoint == "auth.change_password" and current_user.is_authenticated:
        return _password_page(error="login.throttled", status=429)
    return jsonify(error="too many requests"), 429


def _waiting(page: tuple[str, int], refusal: Refusal) -> Response:
    """A page refusing an attempt that the login throttle makes wait, with Retry-After."""
    response = make_response(page)
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def sessions_down() -> bool:
    """Whether Redis (sessions, login throttle) cannot be reached."""
    try:
        _throttle().client.ping()
    except (redis.RedisError, OSError):
        return True
    return False


def _sessions_unavailable(error: redis.RedisError) -> tuple[Response | str, int]:
    """Redis (sessions, login throttle) unreachable: 503, never a traceback."""
    log.warning("sessions unavailable (%s) for %s", type(error).__name__, request.endpoint)
    if request.endpoint == "auth.login":
        return _login_page(error="unavailable", status=503)
    return jsonify(error="sessions unavailable; try again in a minute"), 503


def _page(template: str, **context: object) -> str:
    """A server-rendered page (login, logout) in the session's language: its words come from
    components.i18n, through `t(key)` in the template."""
    lang = select_locale()
    return render_template(
        template, lang=lang, t=lambda key, **params: t(key, lang, **params), **context
    )


def _login_page(
    error: str | None = None, status: int = 200, next_url: str | None = None
) -> tuple[str, int]:
    """The login form; `error` names its message (refused, missing, expired, throttled)."""
    return _page(
        "login.html",
        error=f"login.{error}" if error else None,
        next_url=safe_next(next_url or request.values.get("next")),
        languages=LANGUAGE_NAMES,
    ), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | tuple[str, int]:
    """The login form (plain HTML, works without JavaScript) and its submission."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_url)
        if sessions_down():  # a form that could not be sent back: say so at once
            return _login_page(error="unavailable", status=503, next_url=next_url)
        return _login_page(next_url=next_url)
    # A NUL cannot be in any user name, and PostgreSQL refuses it in a query: shown as ␀.
    username = request.form.get("username", "")[:200].strip().replace("\x00", "\u2400")
    password = request.form.get("password", "")
    if not username or not password:
        return _login_page(error="missing", status=400)
    address, throttle = _client_address(), _throttle()
    # Waiting is for every name alike, accounts or not: it tells nobody which exist.
    refusal = throttle.check(username, address, time.time())
    if refusal is not None:
        with web_state().writer.begin() as s:
            audit.record(
                s,
                username,
                "login_failed",
                "session",
                {"reason": "throttled", "by": refusal.reason, "ip": address},
            )
        log.info("login throttled (%s)", refusal.reason)
        return _waiting(_login_page(error="throttled", status=429), refusal)
    with web_state().writer.begin() as s:
        outcome = users.authenticate(s, username, password)
        audit.record(
            s,
            username,
            "login" if outcome.user else "login_failed",
            "session",
            {"reason": outcome.reason, "ip": address},
        )
    if outcome.user is None:
        throttle.failed(username, address, time.time())  # delays run from the answer
        log.info("login refused (%s)", outcome.reason)
        return _login_page(error="refused", status=401)
    throttle.succeeded(username, address)
    language = session.get("lang")
    session.clear()  # a fresh session (and CSRF token) at every login
    renew_session(outcome.user.idle_minutes)  # a new id: no session fixation
    if language:
        session["lang"] = language
    session[EPOCH_KEY] = outcome.user.session_epoch
    login_user(LoginUser(outcome.user))
    g.kup_auth = "session"
    if outcome.user.must_change_password:
        return redirect(url_for("auth.change_password"))
    return redirect(next_url)


@bp.route("/logout", methods=["GET", "POST"])
def logout() -> BaseResponse | str:
    """GET asks for confirmation (a form, so that no link elsewhere can log you out); POST
    logs out: the session ends in Redis, for every copy of its cookie, and its sockets are
    disconnected (sessions.SocketGuard)."""
    if request.method == "GET":
        return _page("logout.html")
    viewer = current_viewer()
    end_session()
    identities().forget(int(current_user.get_id()))
    with web_state().writer.begin() as s:
        audit.record(s, viewer.username, "logout", "session", {})
    logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    g.pop("kup_auth", None)
    response = redirect(url_for("auth.login"))
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@bp.route("/lang/<code>")
def set_language(code: str) -> BaseResponse | tuple[Response, int]:
    """Remember the chosen interface language (ru, ky or en) and go back."""
    if code not in LANGUAGES:
        return jsonify(error=f"language must be one of {', '.join(LANGUAGES)}"), 404
    session["lang"] = code
    return redirect(safe_next(request.args.get("next")))


def select_locale() -> str:
    """Flask-Babel's locale selector: the session's choice, Russian by default."""
    language = session.get("lang")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _password_page(
    error: str | None = None, status: int = 200, changed: bool = False
) -> tuple[str, int]:
    """The password change form; `error` is an i18n key of its message."""
    info: users.UserInfo = current_user.info
    return _page(
        "password.html",
        username=info.username,
        forced=info.must_change_password,
        changed=changed,
        error=None
        if error is None
        else t(error, select_locale(), min=passwords.MIN_LENGTH, max=passwords.MAX_LENGTH),
        min_length=passwords.MIN_LENGTH,
    ), status


@bp.route(PASSWORD_PATH, methods=["GET", "POST"])
def change_password() -> tuple[str, int] | Response:
    """The logged-in user changes their own password: the current one, and the new one twice.
    Written to the audit log; the user's other sessions end (this one gets a new id); the API
    token keeps working (a separate secret). Wrong current passwords count in the login
    throttle like wrong logins."""
    if request.method == "GET":
        return _password_page()
    current = request.form.get("current", "")
    new = request.form.get("new", "")
    if not current or not new or not request.form.get("repeat"):
        return _password_page(error="password.missing", status=400)
    if new != request.form.get("repeat"):
        return _password_page(error="password.mismatch", status=400)
    info: users.UserInfo = current_user.info
    address, throttle = _client_address(), _throttle()
    refusal = throttle.check(info.username, address, time.time())
    if refusal is not None:
        log.info("password change throttled (%s)", refusal.reason)
        return _waiting(_password_page(error="login.throttled", status=429), refusal)
    try:
        with web_state().writer.begin() as s:
            changed = users.change_password(s, info.username, current, new)
            audit.record(
                s,
                info.username,
                "password_change",
                info.username,
                {"forced": info.must_change_password, "ip": address},
            )
    except users.PasswordRefused as refused:
        if refused.code == users.WRONG_CURRENT:
            throttle.failed(info.username, address, time.time())
        log.info("password change refused (%s)", refused.code)
        return _password_page(error=f"password.{refused.code}", status=400)
    end_user_sessions(info.id)  # the others (the new epoch voids them already)
    session[EPOCH_KEY] = changed.session_epoch
    renew_session(changed.idle_minutes)  # this one goes on, under a new id
    current_user.info = changed
    return _password_page(changed=True)
