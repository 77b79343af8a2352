"""The complainant's receipt page, `/receipt`: public (no login), server-rendered, in Russian,
Kyrgyz or English. Whoever holds the slip of a report (its registration number and receipt
code, rules.receipts) sees the case's status, review deadline and the date of its last step:
nothing else (no name, summary, unit or officer).

The form posts `reg_no` and `code` (with its CSRF token); `GET /receipt?reg_no=…&code=…`, the
address in the slip's QR code, answers the same. A wrong code and an unknown number get the same
answer (status and body, apart from the echoed input): the code is checked before the store is
read, so neither the answer nor its time tells whether a number exists. Lookups are limited per
client address (KUP_RECEIPT_RATE, Flask-Limiter in Redis, as the login is).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import redis
from flask import Blueprint, Flask, Response, current_app, make_response, render_template, request
from flask_limiter import Limiter
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import TooManyRequests

from components.common import STATUS_STYLE
from components.formatting import deadline_text, local_date
from components.i18n import LANGUAGE_NAMES, LANGUAGES, label, t
from console.config import Settings
from console.web.api import STORE_ERRORS
from console.web.auth import select_locale, sessions_down
from console.web.state import web_state
from data.receipts import receipt_facts
from rules.deadlines import case_status
from rules.receipts import code_matches, parse_code, parse_reg_no, receipt_code, receipt_key

RECEIPT_PATH = "/receipt"
KEY_CONFIG = "KUP_RECEIPT_KEY"  # Flask config: the key codes are derived with (bytes)
RATE_CONFIG = "KUP_RECEIPT_RATE"  # Flask config: lookups per client address (Flask-Limiter)
ECHOED = 64  # characters of a typed value shown back in the form
bp = Blueprint("receipt", __name__)


def slip_url(public_url: str, reg_no: str, code: str) -> str:
    """The address printed in a slip's QR code: the receipt page asked for `reg_no`, `code`."""
    query = urlencode({"reg_no": reg_no, "code": code})
    return f"{public_url.rstrip('/')}{RECEIPT_PATH}?{query}"


def slip_code(settings: Settings, reg_no: str) -> str:
    """The receipt code of `reg_no` as the web console checks it: derived with
    KUP_RECEIPT_SECRET, else KUP_SECRET_KEY, else the demo's kept key (its data folder).
    ValueError when none is set (the code would not be the one the console accepts)."""
    secret = settings.receipt_secret or settings.secret_key
    demo_key = settings.data_dir / "web-secret"  # console.web.server.demo_secret's file
    if not secret and demo_key.exists():
        secret = demo_key.read_text().strip()
    if not secret:
        raise ValueError(
            "neither KUP_RECEIPT_SECRET nor KUP_SECRET_KEY is set: set the one the web console "
            "runs with, or the codes printed will not be accepted"
        )
    return receipt_code(reg_no, receipt_key(secret))


def init_receipts(server: Flask, limiter: Limiter) -> None:
    """Register /receipt, its lookups limited per client address by `limiter` (the login's:
    counts in Redis, shared by every web process)."""
    server.register_blueprint(bp)
    server.view_functions["receipt.receipt"] = limiter.limit(
        lambda: current_app.config[RATE_CONFIG],
        exempt_when=lambda: not _asked(),  # the empty form costs nothing
    )(receipt)


def _asked() -> bool:
    """Whether the request asks about a case (not only for the empty form)."""
    return request.method == "POST" or "reg_no" in request.args or "code" in request.args


def _language() -> str:
    """The page language: `?lang=` (or the form's field), else the session's, else Russian."""
    chosen = request.values.get("lang", "")
    return chosen if chosen in LANGUAGES else select_locale()


def _typed(name: str) -> str:
    return request.values.get(name, "")[:ECHOED]


def _page(status: int, error: str | None = None, result: dict[str, str] | None = None) -> Response:
    """The page: the form (the typed values echoed), an error message (its key in
    components.i18n) or the case's facts."""
    lang = _language()
    reg_no, code = _typed("reg_no"), _typed("code")
    carried = {"reg_no": reg_no, "code": code} if request.method == "GET" and _asked() else {}
    response = make_response(
        render_template(
            "receipt.html",
            lang=lang,
            t=lambda key, **params: t(key, lang, **params),
            reg_no=reg_no,
            code=code,
            error=error,
            result=result,
            languages=[
                (c, name, f"{RECEIPT_PATH}?{urlencode({**carried, 'lang': c})}")
                for c, name in LANGUAGE_NAMES.items()
            ],
        ),
        status,
    )
    # A case's state is not kept in shared caches, nor the page indexed.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route(RECEIPT_PATH, methods=["GET", "POST"])
def receipt() -> Response:
    """The receipt form, and what it answers about the case of a number and its code."""
    if not _asked():  # a form whose token could not be kept: say so at once (as /login does)
        return _page(503, "receipt.unavailable") if sessions_down() else _page(200)
    typed_reg_no, typed_code = _typed("reg_no").strip(), _typed("code").strip()
    if not typed_reg_no or not typed_code:
        return _page(400, "receipt.missing")
    reg_no = parse_reg_no(request.values.get("reg_no", ""))
    code = parse_code(request.values.get("code", ""))
    if reg_no is None:
        return _page(400, "receipt.bad_number")
    if code is None:
        return _page(400, "receipt.bad_code")
    facts = None
    if code_matches(reg_no, code, current_app.config[KEY_CONFIG]):  # before the store is read
        with web_state().sessions() as session:
            facts = receipt_facts(session, reg_no)
    if facts is None:  # a wrong code, or (with its right code) a number not stored
        return _page(404, "receipt.not_found")
    lang, tz = _language(), web_state().settings.zone
    status = case_status(facts.deadline, facts.decision is not None, datetime.now(UTC), timedelta())
    return _page(
        200,
        result={
            "reg_no": reg_no,
            "status": status,
            "status_text": t(f"status.{status}", lang),
            "color": STATUS_STYLE[status][0],
            "symbol": STATUS_STYLE[status][1],
            "decision": label("decision", facts.decision, lang),
            "deadline": deadline_text(facts.deadline, tz, lang),
            "last_step": local_date(facts.last_step_at, tz, lang),
        },
    )


@bp.errorhandler(TooManyRequests)
def _throttled(error: TooManyRequests) -> Response:
    response = _page(429, "receipt.throttled")
    limit = getattr(error, "limit", None)  # Flask-Limiter's RateLimitExceeded names its limit
    response.headers["Retry-After"] = str(limit.limit.get_expiry() if limit else 60)
    return response


@bp.errorhandler(CSRFError)
def _expired(error: CSRFError) -> Response:
    return _page(400, "login.expired")  # the form's words


@bp.errorhandler(redis.RedisError)
def _sessions_unavailable(error: redis.RedisError) -> Response:
    return _page(503, "receipt.unavailable")


def _store_unavailable(error: Exception) -> Response:
    return _page(503, "receipt.unavailable")


for _store_error in STORE_ERRORS:  # the database down: the page says so, never a traceback
    bp.register_error_handler(_store_error, _store_unavailable)
