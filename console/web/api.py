"""JSON API `/api/v1` (session login or `Authorization: Bearer <token>`).

Every read is scoped to the caller's region in SQL; a case outside it is answered like a case
that does not exist (404). Timestamps are ISO 8601 to the second in KUP_TZ with its offset, as
in the exports. Errors are `{"error": "..."}` with 400 (bad parameter or body), 401, 403, 404
or 409.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import HTTPException

from console.runtime import Services
from console.web.auth import current_viewer, wants_json
from console.web.state import web_state
from data import audit, case_record, flags, workload_counts
from data.case_lists import case_summaries
from data.queries import STATUSES, CaseFilter
from data.reference import load_geography
from rules.clock import local_iso
from rules.contract import CATEGORIES, KINDS

bp = Blueprint("api", __name__, url_prefix="/api/v1")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
CASE_PARAMS = ("status", "district", "region", "category", "kind", "flagged", "limit", "offset")
REG_NO_RE = re.compile(r"[A-Z0-9-]{6,32}")
_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")


class BadRequest(ValueError):
    """A parameter or body the API refuses, with a message naming it."""


class RequestJSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply to parse is invalid JSON like any other
    (a ValueError: `get_json` answers 400, `get_json(silent=True)` None), not a RecursionError
    that became a 500. Install it as the app's `json`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def to_json(value: Any, tz: ZoneInfo) -> Any:
    """Datetimes as ISO 8601 in `tz` with offset, dates as ISO dates, containers recursively."""
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


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest) -> tuple[Response, int]:
    return error(str(exc), 400)


def _choice(args: Mapping[str, str], name: str, allowed: Any) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if value not in allowed:
        shown = ", ".join(allowed) if len(allowed) <= 20 else f"{len(allowed)} known codes"
        raise BadRequest(f"{name}: {value[:40]!r} is not one of {shown}")
    return value


def _integer(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = args.get(name)
    if value is None or value == "":
        return default
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise BadRequest(f"{name} must be a whole number")
    number = int(value)
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return number


def _flag_param(args: Mapping[str, str]) -> bool | None:
    value = args.get("flagged")
    if value is None or value == "":
        return None
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise BadRequest("flagged must be true or false")


def _check_known(args: Mapping[str, str], known: tuple[str, ...]) -> None:
    unknown = sorted(set(args) - set(known))
    if unknown:
        raise BadRequest(f"unknown parameter {unknown[0][:40]!r}; known: {', '.join(known)}")


@bp.get("/workload")
def workload() -> tuple[Response, int]:
    """Per district the reader may see: open (every undecided case), overdue, due soon, and
    cases received (registered) and decided in the last 24 hours."""
    args = request.args
    _check_known(args, ("region",))
    geo = load_geography()
    region = _choice(args, "region", tuple(geo.regions))
    state, viewer = web_state(), current_viewer()
    flt = CaseFilter(region=region, scope_region=viewer.region)
    with state.sessions() as s:
        rows = workload_counts.district_workload(s, flt, state.now(), state.due_soon, tz=state.tz)
    return _json(
        [
            {
                "district": r.key,
                "region": geo.districts[r.key].region,
                "open": r.open,
                "overdue": r.overdue,
                "due_soon": r.due_soon,
                "received_24h": r.received_24h,
                "decided_24h": r.decided_24h,
            }
            for r in rows
        ]
    )


@bp.get("/cases")
def cases() -> tuple[Response, int]:
    """Case summaries (the export's fields), most urgent deadline first, paginated with
    `limit` (1-1000, default 100) and `offset`; the read is audited as an export."""
    args = request.args
    _check_known(args, CASE_PARAMS)
    geo = load_geography()
    state, viewer = web_state(), current_viewer()
    flt = CaseFilter(
        status=_choice(args, "status", STATUSES) or "all",
        district=_choice(args, "district", tuple(geo.districts)),
        region=_choice(args, "region", tuple(geo.regions)),
        category=_choice(args, "category", CATEGORIES),
        kind=_choice(args, "kind", KINDS),
        flagged=_flag_param(args),
        scope_region=viewer.region,
    )
    limit = _integer(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _integer(args, "offset", 0, 0, 10**9)
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


def _reg_no(reg_no: str) -> str:
    if not REG_NO_RE.fullmatch(reg_no):
        raise BadRequest("reg_no: 6-32 capital letters, digits or '-'")
    return reg_no


@bp.get("/cases/<reg_no>")
def case(reg_no: str) -> tuple[Response, int]:
    """One case with its events (in order), deadline history and flags; the view is audited."""
    reg_no = _reg_no(reg_no)
    state, viewer = web_state(), current_viewer()
    with state.sessions() as s:
        detail = case_record.case_detail(s, reg_no, viewer.region, state.now(), state.due_soon)
    if detail is None:
        return error(f"no case {reg_no}", 404)
    with state.writer.begin() as s:
        audit.record(s, viewer.username, "case_view", reg_no, {"via": "api"})
    return _json(detail.as_dict())


def _flag_json(flag: flags.FlagInfo) -> dict[str, object]:
    return {
        "id": flag.id,
        "reg_no": flag.reg_no,
        "comment": flag.comment,
        "by": flag.created_by,
        "at": flag.created_at,
        "cleared_by": flag.cleared_by,
        "cleared_at": flag.cleared_at,
        "active": flag.active,
    }


def _flag_service(state: Services) -> flags.FlagService:
    """data.flags' service on this app's writer and the stream's Redis."""
    client = state.metrics.store.client if state.metrics is not None else None
    return flags.FlagService(state.writer, client, state.settings.streams)


@bp.post("/cases/<reg_no>/flags")
def add_flag(reg_no: str) -> tuple[Response, int]:
    """Flag a case: `{"comment": "..."}`; prosecutors and admins only (403 for others)."""
    reg_no = _reg_no(reg_no)
    viewer = current_viewer()
    if not viewer.can_flag:
        return error("only prosecutors and admins may flag cases", 403)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) - {"comment"}:
        raise BadRequest('send a JSON object {"comment": "..."}')
    state = web_state()
    try:
        change = _flag_service(state).set(viewer, reg_no, body.get("comment"))
    except LookupError:
        return error(f"no case {reg_no}", 404)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    return _json(_flag_json(change.flag), 201)


@bp.delete("/cases/<reg_no>/flags/<int:flag_id>")
def clear_flag(reg_no: str, flag_id: int) -> tuple[Response, int]:
    """Clear an active flag; prosecutors and admins only. Answers the cleared flag."""
    reg_no = _reg_no(reg_no)
    viewer = current_viewer()
    if not viewer.can_flag:
        return error("only prosecutors and admins may clear flags", 403)
    try:
        change = _flag_service(web_state()).clear(viewer, reg_no, flag_id)
    except LookupError as exc:
        return error(str(exc), 404)
    return _json(_flag_json(change.flag))


@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(_rest: str) -> tuple[Response, int]:
    """Unknown API paths answer JSON 404 (not the Dash page behind the catch-all route)."""
    return error("no such API endpoint", 404)


def api_http_error(exc: HTTPException) -> tuple[Response, int] | HTTPException:
    """JSON bodies for HTTP errors (405, 413, ...) of the JSON routes: the API's and Dash's."""
    if wants_json():
        return error(exc.description or exc.name, exc.code or 500)
    return exc
