"""JSON API `/api/v1` (session login or `Authorization: Bearer <token>`), described by the
OpenAPI document it serves at `/api/v1/openapi.json` (console/web/openapi.py builds it from the
declarations below: the parameters a view parses the request with are the ones the document
shows).

Every read is scoped to the caller's region in SQL; a case outside it is answered like a case
that does not exist (404). Timestamps are ISO 8601 to the second in KUP_TZ with its offset, as
in the exports. Errors are `{"error": "..."}` with 400 (bad parameter or body), 401, 403, 404,
405 (a method the path does not serve, with `Allow`) or 413.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request
from flask.json.provider import DefaultJSONProvider
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, MethodNotAllowed, ServiceUnavailable

from console.runtime import Services
from console.web.answers import AnswerCache
from console.web.auth import current_viewer, wants_json
from console.web.openapi import (
    Boolean,
    Choice,
    Inline,
    Integer,
    ParameterError,
    Reply,
    Text,
    document,
    operation,
    parse_body,
    parse_query,
)
from console.web.state import web_state
from data import audit, case_record, change_stamp, flags, search, workload_counts
from data import integrity as data_integrity
from data.case_lists import CaseSummary, case_summaries
from data.queries import STATUSES, CaseFilter
from data.reference import load_geography
from rules import integrity as integrity_rules
from rules.clock import local_iso
from rules.contract import CATEGORIES, KINDS

log = logging.getLogger("kup.web.api")
bp = Blueprint("api", __name__, url_prefix="/api/v1")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
ANSWERS_KEY = "kup-answers"  # app.extensions: the kept answers
MAX_FLAG_ID = 2**31 - 1  # the largest id PostgreSQL's integer column holds
INFO = {
    "title": "KUP console API",
    "version": "1",
    "description": "The live operations console's JSON API: district workload, case lists and "
    "case records (scoped to the caller's region), and prosecutors' flags. Authenticate with a "
    "bearer token (`kup-console user token NAME`) or a browser session (whose state-changing "
    "requests carry the CSRF header). Timestamps are ISO 8601 with the console's UTC offset.",
}


def _regions() -> tuple[str, ...]:
    return tuple(load_geography().regions)


def _districts() -> tuple[str, ...]:
    return tuple(load_geography().districts)


REGION = Choice(name="region", description="Only this region (ISO 3166-2 code)", values=_regions)
CASE_QUERY = (
    Choice(
        name="status",
        description="Cases of this status at the time of the request (`all`: every case)",
        values=lambda: STATUSES,
        default="all",
    ),
    Choice(name="district", description="Only this district (its code)", values=_districts),
    REGION,
    Choice(name="category", description="Only this category", values=lambda: CATEGORIES),
    Choice(name="kind", description="Only this kind", values=lambda: KINDS),
    Boolean(name="flagged", description="Only flagged (true) or unflagged (false) cases"),
    Integer(
        name="limit",
        description="At most this many cases (a `Link: rel=next` header when there may be more)",
        low=1,
        high=MAX_LIMIT,
        default=DEFAULT_LIMIT,
    ),
    Integer(name="offset", description="Skip this many cases", low=0, high=10**9, default=0),
)
CASE_PARAMS = tuple(p.name for p in CASE_QUERY)
# Not only white space, in both regex dialects' sense (ECMA's \s lacks U+001C-001F and U+0085,
# which Python's has and str.strip removes; Python's lacks U+FEFF).
NOT_BLANK = (r"[^\s\u001c-\u001f\u0085\ufeff]", "must not be empty")
SEARCH_QUERY = (
    Text(
        name="q",
        description="Words to find (all of them, each as the start of a word): registration "
        "number or a part of it, officer, unit, address, summary; letters and digits count, "
        "anything else separates words",
        required=True,
        min_length=1,
        max_length=search.MAX_QUERY_LENGTH,
        patterns=(NOT_BLANK,),
    ),
    Integer(
        name="limit",
        description="At most this many cases",
        low=1,
        high=search.MAX_LIMIT,
        default=search.DEFAULT_LIMIT,
    ),
)
REG_NO = Text(
    name="reg_no",
    where="path",
    description="The case's registration number",
    patterns=((r"^[A-Z0-9-]{6,32}$", "6-32 capital letters, digits or '-'"),),
)
FLAG_ID = Integer(
    name="flag_id", where="path", description="The flag's id", low=1, high=MAX_FLAG_ID
)


def _comment_body(description: str) -> tuple[Text]:
    """A body `{"comment": "..."}`: required, not blank, no NUL, at most data.flags' length."""
    return (
        Text(
            name="comment",
            description=description,
            required=True,
            max_length=flags.MAX_COMMENT_LENGTH,
            patterns=(NOT_BLANK, (r"^[^\u0000]*$", "must not contain a NUL character")),
        ),
    )


FLAG_BODY = _comment_body(
    "Why the case is flagged (added to its active flag as a comment if it has one)"
)
CLEAR_BODY = _comment_body("Why the flag is cleared")


class RequestJSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply to parse is invalid JSON like any other
    (a ValueError: `get_json` answers 400, `get_json(silent=True)` None), not a RecursionError
    that became a 500. Install it as the app's `json`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


_PLAIN = (str, int, float, bool, type(None))  # JSON as they are (the most common, first)


def to_json(value: Any, tz: ZoneInfo) -> Any:
    """Datetimes as ISO 8601 in `tz` with offset, dates as ISO dates, containers recursively."""
    if type(value) in _PLAIN:
        return value
    if isinstance(value, datetime):
        return local_iso(value, tz)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_json(v, tz) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v, tz) for v in value]
    return value


def _json(value: Any, status: int = 200) -> tuple[Response, int]:
    return jsonify(to_json(value, web_state().tz)), status


def error(message: str, status: int) -> tuple[Response, int]:
    return jsonify(error=message), status


@bp.errorhandler(ParameterError)
def _bad_request(exc: ParameterError) -> tuple[Response, int]:
    return error(str(exc), 400)


@dataclass(frozen=True)
class DistrictLoad:
    """A district's workload: open (every undecided case), overdue, due soon, cases received
    (registered) and decided in the last 24 hours, and decisions taken after their deadline
    in the last 7 and 30 days."""

    district: str
    region: str
    open: int
    overdue: int
    due_soon: int
    received_24h: int
    decided_24h: int
    decided_late_7d: int
    decided_late_30d: int


@bp.get("/workload")
@operation(
    summary="Workload by district",
    query=(REGION,),
    ok=Reply(200, "Every district the caller may see, zeros included", list[DistrictLoad]),
    errors={400: "a bad or unknown parameter"},
)
def workload() -> tuple[Response, int]:
    """Per district the reader may see: open (every undecided case), overdue, due soon, cases
    received (registered) and decided in the last 24 hours, and decided late in 7 and 30 days.
    Live answers are kept per scope until a case is written or time changes them
    (console/web/answers.py)."""
    query = parse_query(request.args, (REGION,))
    state, viewer = web_state(), current_viewer()
    flt = CaseFilter(region=query["region"], scope_region=viewer.region)
    now = state.now()
    with state.sessions() as s:
        if state.as_of is not None:  # looking back: a store of its own, computed each time
            body = _workload_body(s, state, flt, now)
        else:
            body = _kept_workload(s, state, flt, now)
    return current_app.response_class(body, mimetype="application/json"), 200


def _kept_workload(s: Session, state: Services, flt: CaseFilter, now: datetime) -> bytes:
    """The workload's body as kept for this scope, stamp and instant, or computed and kept."""
    cache = answers()
    key = ("workload", flt.scope_region, flt.region, state.tz.key, state.due_soon)
    stamp = change_stamp.current(s)  # before computing: an answer is never older than it
    body = cache.get(key, stamp, now)
    if body is not None:
        return body
    with cache.computing(key):
        body = cache.get(key, stamp, now)  # computed by the reader this one waited for
        if body is None:
            body = _workload_body(s, state, flt, now)
            until = workload_counts.unchanged_until(s, now, state.due_soon, tz=state.tz)
            cache.put(key, stamp, now, until, body)
    return body


def _workload_body(s: Session, state: Services, flt: CaseFilter, now: datetime) -> bytes:
    """The workload's JSON body at `now`."""
    geo = load_geography()
    rows = workload_counts.district_workload(s, flt, now, state.due_soon, tz=state.tz)
    response, _ = _json(
        [
            asdict(
                DistrictLoad(
                    district=r.key,
                    region=geo.districts[r.key].region,
                    open=r.open,
                    overdue=r.overdue,
                    due_soon=r.due_soon,
                    received_24h=r.received_24h,
                    decided_24h=r.decided_24h,
                    decided_late_7d=r.decided_late_7d,
                    decided_late_30d=r.decided_late_30d,
                )
            )
            for r in rows
        ]
    )
    return response.get_data()


def answers() -> AnswerCache:
    """This web app's kept answers (console/web/answers.py)."""
    cache: AnswerCache = current_app.extensions[ANSWERS_KEY]
    return cache


@bp.get("/cases")
@operation(
    summary="Case summaries",
    query=CASE_QUERY,
    ok=Reply(
        200,
        "The cases, most urgent deadline first",
        list[CaseSummary],
        headers={"Link": 'The next page, `</api/v1/cases?...>; rel="next"`, when this one is full'},
    ),
    errors={400: "a bad or unknown parameter"},
)
def cases() -> tuple[Response, int]:
    """Case summaries (the export's fields), most urgent deadline first, paginated with
    `limit` (1-1000, default 100) and `offset`; the read is audited as an export."""
    args = request.args
    query = parse_query(args, CASE_QUERY)
    state, viewer = web_state(), current_viewer()
    flt = CaseFilter(
        status=query["status"],
        district=query["district"],
        region=query["region"],
        category=query["category"],
        kind=query["kind"],
        flagged=query["flagged"],
        scope_region=viewer.region,
    )
    limit, offset = query["limit"], query["offset"]
    with state.sessions() as s:
        rows = case_summaries(s, flt, state.now(), state.due_soon, limit=limit, offset=offset)
    with state.writer.begin() as s:
        audit.record(
            s,
            viewer.username,
            "export",
            "api:cases",
            {"filter": {k: v for k, v in args.items()}, "rows": len(rows)},
        )
    response, status = _json([row.as_dict() for row in rows])
    if len(rows) == limit:
        following = {**args, "limit": str(limit), "offset": str(offset + limit)}
        response.headers["Link"] = f'</api/v1/cases?{urlencode(following)}>; rel="next"'
    return response, status


@bp.get("/search")
@operation(
    summary="Find cases",
    query=SEARCH_QUERY,
    ok=Reply(200, "The cases found (the case whose number is the query first)", list[CaseSummary]),
    errors={400: "no query, an empty or too long one, or an unknown parameter"},
)
def search_cases() -> tuple[Response, int]:
    """Cases in the caller's scope whose registration number, officer, unit, address or
    summary hold every word of `q` (each as the start of a word, in any case; a query without
    letters or digits finds none), at most `limit` (1-50, default 10); audited as an export."""
    query = parse_query(request.args, SEARCH_QUERY)
    if query["q"] is None:
        raise ParameterError("q is required: the words to find")
    state, viewer = web_state(), current_viewer()
    with state.sessions() as s:
        rows = search.search_cases(
            s, query["q"], viewer.region, state.now(), state.due_soon, limit=query["limit"]
        )
    with state.writer.begin() as s:
        audit.record(
            s, viewer.username, "export", "api:search", {"q": query["q"], "rows": len(rows)}
        )
    return _json([row.as_dict() for row in rows])


@bp.get("/cases/<reg_no>")
@operation(
    summary="One case",
    path=(REG_NO,),
    ok=Reply(
        200, "The case, its events, deadlines and flags", Inline(case_record.CaseDetail, "case")
    ),
    errors={400: "a malformed registration number", 404: "no such case in the caller's scope"},
)
def case(reg_no: str) -> tuple[Response, int]:
    """One case with its events (in order), deadline history and flags; the view is audited."""
    reg_no = REG_NO.parse(reg_no)
    state, viewer = web_state(), current_viewer()
    with state.sessions() as s:
        detail = case_record.case_detail(s, reg_no, viewer.region, state.now(), state.due_soon)
    if detail is None:
        return error(f"no case {reg_no}", 404)
    with state.writer.begin() as s:
        audit.record(s, viewer.username, "case_view", reg_no, {"via": "api"})
    return _json(detail.as_dict())


@dataclass(frozen=True)
class FlagView:
    """A prosecutor's flag on a case, active until cleared (a case has at most one active
    flag), with its history: the opening comment, the comments added, the clearing comment."""

    id: int
    reg_no: str
    comment: str
    by: str
    at: datetime
    cleared_by: str | None
    cleared_at: datetime | None
    cleared_comment: str | None
    active: bool
    history: tuple[flags.FlagNote, ...]

    @classmethod
    def of(cls, flag: flags.FlagInfo) -> FlagView:
        return cls(
            id=flag.id,
            reg_no=flag.reg_no,
            comment=flag.comment,
            by=flag.created_by,
            at=flag.created_at,
            cleared_by=flag.cleared_by,
            cleared_at=flag.cleared_at,
            cleared_comment=flag.cleared_comment,
            active=flag.active,
            history=flag.history,
        )


def _flag_service(state: Services) -> flags.FlagService:
    """data.flags' service on this app's writer and the stream's Redis."""
    client = state.metrics.store.client if state.metrics is not None else None
    return flags.FlagService(state.writer, client, state.settings.streams)


FLAGGERS_ONLY = "a role that may not flag (only prosecutors and admins do)"
COMMENT_REFUSED = 'a body that is not {"comment": ...} with a non-empty comment'


@bp.post("/cases/<reg_no>/flags")
@operation(
    summary="Flag a case (or comment on its active flag)",
    path=(REG_NO,),
    body=FLAG_BODY,
    ok=Reply(201, "The new flag", FlagView),
    also=(Reply(200, "The case's active flag, the comment added to its history", FlagView),),
    errors={
        400: f"a malformed registration number, or {COMMENT_REFUSED}",
        403: FLAGGERS_ONLY,
        404: "no such case in the caller's scope",
    },
    tag="flags",
    extra={
        "links": {
            "clear": {
                "operationId": "api_clear_flag",
                "parameters": {"reg_no": "$request.path.reg_no", "flag_id": "$response.body#/id"},
                "description": "Clear the flag just set",
            }
        }
    },
)
def add_flag(reg_no: str) -> tuple[Response, int]:
    """Flag a case: `{"comment": "..."}`; prosecutors and admins only (403 for others). A case
    already flagged keeps its one active flag, the comment added to it (200, not 201)."""
    reg_no = REG_NO.parse(reg_no)
    viewer = current_viewer()
    if not viewer.can_flag:
        return error("only prosecutors and admins may flag cases", 403)
    body = parse_body(request.get_json(silent=True), FLAG_BODY)
    try:
        change = _flag_service(web_state()).set(viewer, reg_no, body["comment"])
    except LookupError:
        return error(f"no case {reg_no}", 404)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    created = change.flag.history[-1].kind == "flag"
    return _json(asdict(FlagView.of(change.flag)), 201 if created else 200)


@bp.delete("/cases/<reg_no>/flags/<flag_id>")
@operation(
    summary="Clear a flag",
    path=(REG_NO, FLAG_ID),
    body=CLEAR_BODY,
    ok=Reply(200, "The cleared flag", FlagView),
    errors={
        400: f"a malformed registration number or flag id, or {COMMENT_REFUSED}",
        403: FLAGGERS_ONLY,
        404: "no such active flag on a case in the caller's scope",
    },
    tag="flags",
)
def clear_flag(reg_no: str, flag_id: str) -> tuple[Response, int]:
    """Clear an active flag with a comment, `{"comment": "..."}` (400 without one);
    prosecutors and admins only. Answers the cleared flag."""
    reg_no, number = REG_NO.parse(reg_no), FLAG_ID.parse(flag_id)
    viewer = current_viewer()
    if not viewer.can_flag:
        return error("only prosecutors and admins may clear flags", 403)
    try:
        body = parse_body(request.get_json(silent=True), CLEAR_BODY)
    except ParameterError as exc:
        raise ParameterError(f"clearing a flag needs a comment: {exc}") from None
    try:
        change = _flag_service(web_state()).clear(viewer, reg_no, number, body["comment"])
    except LookupError as exc:
        return error(str(exc), 404)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    return _json(asdict(FlagView.of(change.flag)))


@bp.get("/openapi.json")
@operation(
    summary="This document",
    ok=Reply(200, "The OpenAPI 3.1 document of the API", {"type": "object"}),
    tag="meta",
)
def openapi() -> Response:
    """The OpenAPI document of the console's JSON API, generated from the routes that serve it;
    any logged-in account may read it."""
    return jsonify(document(current_app, INFO))


API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
CATCH_ALL = "api.unknown"


def _served_methods() -> list[str]:
    """The methods the API serves at this request's path (not counting its catch-all route),
    as `Allow` lists them; none for a path it does not serve."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    served = []
    for method in API_METHODS:
        try:
            endpoint, _ = adapter.match(request.path, method=method)
        except HTTPException:
            continue
        if endpoint != CATCH_ALL:
            served.append(method)
    if not served:
        return []
    return [*served, "HEAD", "OPTIONS"] if "GET" in served else [*served, "OPTIONS"]


@bp.route("/<path:_rest>", methods=list(API_METHODS))
def unknown(_rest: str) -> tuple[Response, int]:
    """Unknown API paths answer JSON 404 (not the Dash page behind the catch-all route); a path
    the API serves with other methods answers 405 with `Allow`."""
    served = _served_methods()
    if served:
        raise MethodNotAllowed(valid_methods=served)
    return error("no such API endpoint", 404)


@bp.after_request
def allow_methods(response: Response) -> Response:
    """OPTIONS lists the methods of the path (Flask's own answer would count the catch-all's)."""
    if request.method == "OPTIONS":
        served = _served_methods()
        if served:
            response.headers["Allow"] = ", ".join(served)
    return response


STORE_DOWN = "the database did not answer; try again later"
STORE_ERRORS = (OperationalError, PoolTimeout)  # the database down, unreachable or overloaded


def store_unavailable(exc: Exception) -> tuple[Response, int] | HTTPException:
    """503 for a request the database could not answer (a token, a session or the data could
    not be read): JSON on the JSON routes; one WARNING line, no traceback."""
    log.warning(
        "%s %s: database unavailable (%s)", request.method, request.path, type(exc).__name__
    )
    if wants_json():
        return error(STORE_DOWN, 503)
    return ServiceUnavailable(STORE_DOWN)


def api_http_error(exc: HTTPException) -> tuple[Response, int] | HTTPException:
    """JSON bodies for HTTP errors (405, 413, ...) of the JSON routes: the API's and Dash's,
    with the error's own headers (a 405's `Allow`)."""
    if not wants_json():
        return exc
    response, status = error(exc.description or exc.name, exc.code or 500)
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response, status


# --- integrity signals (issue #13) -------------------------------------------------------------

INTEGRITY_QUERY = (
    Choice(
        name="group",
        description="Rows per district, unit or officer",
        values=lambda: integrity_rules.GROUPS,
        default="district",
    ),
    Integer(
        name="window_days",
        description="The cases registered in the last this many days",
        low=1,
        high=data_integrity.MAX_WINDOW_DAYS,
        default=30,
    ),
    Choice(
        name="region",
        description="Only this region (ISO 3166-2 code; a regional account: its own only), "
        "whose rates are then the reference",
        values=_regions,
    ),
)
INTEGRITY_CASES_QUERY = (
    *INTEGRITY_QUERY,
    Text(
        name="key",
        description="The row's key (a district code, a unit, an officer; `~`: none assigned)",
        required=True,
        min_length=1,
        max_length=64,
    ),
    Choice(
        name="signal",
        description="Only the cases counting for this signal (`cases`: every case of the row)",
        values=lambda: ("cases", *integrity_rules.SIGNALS),
        default="cases",
    ),
)
INTEGRITY_READERS = (
    "a role that does not read the integrity signals (only managers, prosecutors and admins "
    "do), or a region other than a regional account's own"
)


def _integrity_row_schema() -> dict[str, Any]:
    """The JSON schema of an integrity row (its signals' fields named after them)."""
    rate = {"type": "number", "minimum": 0, "maximum": 1}
    count = {"type": "integer", "minimum": 0}
    properties: dict[str, Any] = {"key": {"type": "string"}, "cases": count}
    for name in integrity_rules.SIGNALS:
        properties |= {
            name: count,
            f"{name}_share": rate,
            f"{name}_ci": {"type": "array", "items": rate, "minItems": 2, "maxItems": 2},
            f"{name}_reference": rate,
        }
    properties["marked"] = {
        "type": "array",
        "items": {"type": "string", "enum": [*integrity_rules.SIGNALS, "intake_drop"]},
    }
    per_10k = {"type": "number", "minimum": 0}
    district = {
        "registrations": count,
        "population": count,
        "per_10k": per_10k,
        "per_10k_reference": per_10k,
        "per_10k_region": per_10k,
        "per_10k_country": per_10k,
        "intake_drop": {
            "type": "object",
            "required": ["marked", "p_value", "recent", "baseline", "expected"],
            "properties": {
                "marked": {"type": "boolean"},
                "p_value": rate,
                "recent": count,
                "recent_days": count,
                "baseline": count,
                "baseline_days": count,
                "expected": per_10k,
            },
        },
    }
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties | district,
    }


def _integrity_filter(query: Mapping[str, Any]) -> CaseFilter:
    """The request's scope: the caller's region enforced (PermissionError for another)."""
    viewer = current_viewer()
    region = integrity_rules.integrity_region(viewer, query["region"])
    return CaseFilter(region=region, scope_region=viewer.region)


@bp.get("/integrity")
@operation(
    summary="Integrity signals",
    query=INTEGRITY_QUERY,
    ok=Reply(
        200,
        "Per group, highest standing first (marked signals, then the lower bounds above the "
        "reference)",
        {"type": "array", "items": _integrity_row_schema()},
    ),
    errors={400: "a bad or unknown parameter", 403: INTEGRITY_READERS},
    tag="integrity",
)
def integrity_signals() -> tuple[Response, int]:
    """Per district, unit or officer, of the cases registered in the window: late
    registrations, refusals, extensions, decisions taken late, decisions on the last day of the
    period, reopenings; each with its share, 95 % Wilson interval and the reference rate (the
    region's when one is asked for or the caller is regional, else the country's); `marked`
    lists the signals whose interval lies wholly above the reference. District rows add the
    intake per 10,000 residents (2022 census) and the drop detector (last 7 days against the 28
    before them, Poisson lower tail). See docs/INTEGRITY.md."""
    query = parse_query(request.args, INTEGRITY_QUERY)
    try:
        flt = _integrity_filter(query)
    except PermissionError as exc:
        return error(str(exc), 403)
    state = web_state()
    with state.sessions() as s:
        rows = data_integrity.report(s, flt, query["group"], query["window_days"], state.now())
    return _json(rows)


@bp.get("/integrity/cases")
@operation(
    summary="The cases behind an integrity number",
    query=INTEGRITY_CASES_QUERY,
    ok=Reply(200, "Their registration numbers, newest first (at most 500)", list[str]),
    errors={400: "a bad or unknown parameter, or no key", 403: INTEGRITY_READERS},
    tag="integrity",
)
def integrity_cases() -> tuple[Response, int]:
    """The registration numbers of a row's cases registered in the window that count for
    `signal` (every case of the row for `cases`), in the caller's scope; audited as an
    export."""
    query = parse_query(request.args, INTEGRITY_CASES_QUERY)
    if query["key"] is None:
        raise ParameterError("key is required: the row's district code, unit or officer")
    try:
        flt = _integrity_filter(query)
    except PermissionError as exc:
        return error(str(exc), 403)
    state, viewer = web_state(), current_viewer()
    signal = None if query["signal"] == "cases" else query["signal"]
    with state.sessions() as s:
        found = data_integrity.signal_cases(
            s, flt, query["group"], query["key"], signal, query["window_days"], state.now()
        )
    with state.writer.begin() as s:
        audit.record(
            s,
            viewer.username,
            "export",
            "api:integrity",
            {"filter": dict(request.args.items()), "rows": len(found)},
        )
    return _json(found)
