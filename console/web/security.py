"""Security headers and CSRF protection.

* Flask-Talisman sets a Content-Security-Policy under which Dash runs without 'unsafe-eval' or
  inline scripts (the renderer's and clientside callbacks' inline scripts are allowed by their
  hashes), denies framing, and with `KUP_HTTPS` forces HTTPS with HSTS and Secure cookies.
* Flask-WTF checks a CSRF token on every POST/PUT/PATCH/DELETE authenticated by the session
  cookie: the login form carries it in the hidden field `csrf_token`; Dash's renderer sends the
  value of the readable cookie `_csrf_token` in the `X-CSRFToken` header of its callback POSTs
  (dash-renderer's getCSRFHeader). Requests authenticated by an API bearer token are exempt
  (a browser cannot be made to send that header cross-site).
* `TrustedProxies`: the client's address (login throttle, audit log) and scheme come from
  `X-Forwarded-For`/`-Proto`/`-Host` only when the request's direct peer is one of
  `KUP_TRUSTED_PROXIES`; from any other peer those headers are ignored (anyone can send them).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import dash
from flask import Flask, Response, current_app, g, request
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect, generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

from console.config import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger("kup.web.security")
CSRF_COOKIE = "_csrf_token"  # dash-renderer's default csrf_token_name
CSRF_HEADER = "X-CSRFToken"  # dash-renderer's default csrf_header_name
CSRF_FIELD = "csrf_token"  # hidden form field of server-rendered forms
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def content_security_policy(dash_app: dash.Dash) -> dict[str, str | list[str]]:
    """The CSP: everything from this origin; inline scripts only by hash; inline styles (plotly
    and ag-grid inject <style> elements); images from data:/blob: (plotly exports); websockets
    for Socket.IO; no framing, no plugins, forms only to this origin."""
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *dash_app.csp_hashes()],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "worker-src": ["'self'", "blob:"],
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def init_security(server: Flask, dash_app: dash.Dash, settings: Settings) -> CSRFProtect:
    """Bind Talisman and CSRFProtect to the server (after the callbacks are registered, so
    that the CSP covers every inline clientside callback); their WTF_CSRF_* config comes
    from `console.web.app.flask_config`."""
    Talisman(
        server,
        force_https=settings.https,
        strict_transport_security=settings.https,
        session_cookie_secure=settings.https,
        session_cookie_http_only=True,
        session_cookie_samesite="Lax",
        frame_options="DENY",
        content_security_policy=content_security_policy(dash_app),
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    if settings.https and not settings.trusted_proxies:
        log.warning(
            "KUP_HTTPS is set but KUP_TRUSTED_PROXIES is empty: X-Forwarded-Proto and -For are "
            "ignored, so a TLS proxy's requests look like plain HTTP. Name the proxy."
        )
    csrf = CSRFProtect(server)
    server.after_request(_set_csrf_cookie)
    server.after_request(_no_store)
    return csrf


def plain_http_allowed(view: Callable[..., Any]) -> Callable[..., Any]:
    """This app's copy of `view`, exempt from the HTTPS redirect (health probes and metric
    scrapers reach the process directly). A new function per app: Talisman keeps per-view
    options on the function object."""

    @functools.wraps(view)
    def exempt(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    vars(exempt)["talisman_view_options"] = {"force_https": False}  # read by Talisman
    return exempt


def check_csrf(csrf: CSRFProtect) -> None:
    """Refuse a state-changing request without a valid CSRF token (CSRFError, 400), unless it
    was authenticated by a bearer token."""
    if request.method in UNSAFE_METHODS and g.get("kup_auth") != "token":
        csrf.protect()


def csrf_token() -> str:
    """The CSRF token of this session, for a hidden `csrf_token` field of an HTML form."""
    token: str = generate_csrf()  # Flask-WTF has no annotations
    return token


def _is_static() -> bool:
    return request.path.startswith(("/_dash-component-suites/", "/assets/", "/static/"))


def _no_store(response: Response) -> Response:
    """Case data is not kept in browser or proxy caches (shared duty-room machines)."""
    if g.get("kup_auth") is not None and not _is_static():
        response.headers["Cache-Control"] = "no-store"
    return response


def _set_csrf_cookie(response: Response) -> Response:
    """Give the logged-in browser the readable `_csrf_token` cookie that dash-renderer echoes."""
    if g.get("kup_auth") != "session" or _is_static():
        return response
    response.set_cookie(
        CSRF_COOKIE,
        generate_csrf(),
        httponly=False,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        path="/",
    )
    return response


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def proxy_networks(proxies: Iterable[str]) -> tuple[Network, ...]:
    """KUP_TRUSTED_PROXIES (addresses or networks) parsed; ValueError naming a bad entry."""
    networks = []
    for entry in proxies:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"KUP_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from None
    return tuple(networks)


class TrustedProxies:
    """WSGI middleware: werkzeug's ProxyFix for requests whose direct peer is a trusted proxy,
    nothing for the others. The client is the last address of X-Forwarded-For that is not a
    trusted proxy itself (proxies in a chain each append their peer)."""

    def __init__(self, app: WSGIApplication, networks: tuple[Network, ...]) -> None:
        self.app = app
        self.networks = networks

    def trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not self.networks or not self.trusted(environ.get("REMOTE_ADDR", "")):
            return self.app(environ, start_response)
        forwarded = [
            a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        hops = 1  # the client is forwarded[-hops]: skip the trusted proxies of the chain
        while hops < len(forwarded) and self.trusted(forwarded[-hops]):
            hops += 1
        return ProxyFix(self.app, x_for=hops, x_proto=1, x_host=1)(environ, start_response)
