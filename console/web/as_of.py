"""Looking back from the web: the instant a request asks to see the console at (`as_of`).

An API request names it in its query (`?as_of=2026-03-11T14:05:00+06:00`); a page in its
address, and Dash's own requests of that page (its layout, its callbacks) carry it in their
Referer (the page's address, same origin). `web_state()` then answers with the services as
they stood at that instant (`Services.looking_back`), so every route and callback reads the
past with no code of its own. An instant after the present is read as the present. The API
refuses an unreadable `as_of` (400), a page shows the present with a note instead. A change
(an API POST or DELETE) always applies to the present: it does not read `as_of`.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from flask import Flask, Response, current_app, g, has_request_context, jsonify, request

from console.web.openapi import AS_OF, ParameterError, operation_of
from console.web.security import UNSAFE_METHODS

DASH_PREFIX = "/_dash-"  # Dash's layout and callback requests
_UNSET = object()


def _raw() -> str | None:
    """The request's `as_of` as given (None: not given or not read here; an empty one is
    given, and bad)."""
    given = request.args.get(AS_OF.name)
    if request.path.startswith(DASH_PREFIX):  # the page's address unless the request says
        page = urlsplit(request.referrer or "")
        if given is None and page.netloc == request.host:
            given = next(iter(parse_qs(page.query).get(AS_OF.name) or []), None)
        return given
    op = operation_of(current_app.view_functions.get(request.endpoint or ""))
    if request.method in UNSAFE_METHODS or (op is not None and not op.looks_back(request.method)):
        return None  # a change applies to the present; the monitoring is of the present
    return given


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # nothing was stored before


def parse_as_of(raw: str, now: datetime | None = None) -> datetime:
    """The instant `raw` names (UTC), one after `now` read as `now` (nothing is known of the
    future) and one before 1970 as 1970 (nothing was stored then either); ParameterError if
    it is unreadable."""
    return min(max(AS_OF.parse(raw), EPOCH), now or datetime.now(UTC))


def requested_as_of() -> datetime | None:
    """The instant this request looks back at (None: the present); ParameterError if its
    `as_of` is unreadable or in the future. Read once per request."""
    found = g.get("kup_as_of", _UNSET)
    if found is _UNSET:
        raw = _raw()
        try:
            found = parse_as_of(raw) if raw is not None else None
        except ParameterError as exc:
            found = exc
        g.kup_as_of = found
    if isinstance(found, ParameterError):
        raise found
    return found if isinstance(found, datetime) else None


def looking_back_at() -> datetime | None:
    """The instant the current request looks back at, if any and readable (outside a request,
    or with an unreadable one: None, the present)."""
    if not has_request_context():
        return None
    try:
        return requested_as_of()
    except ParameterError:
        return None


def unreadable_as_of() -> str | None:
    """The request's `as_of` as given when it could not be used (for the page's note)."""
    if not has_request_context():
        return None
    try:
        requested_as_of()
    except ParameterError:
        return (_raw() or "")[:40]
    return None


def install(app: Flask, pages: Collection[str]) -> None:
    """Refuse an unreadable `as_of` of a request that reads it (400, with the reason), but a
    page's (`pages`: the endpoints serving Dash's page; the page loads, its note says so)."""

    @app.before_request
    def check_as_of() -> tuple[Response, int] | None:
        if request.path.startswith(DASH_PREFIX) or request.endpoint in pages:
            return None
        try:
            requested_as_of()
        except ParameterError as exc:
            return jsonify(error=str(exc)), 400
        return None
