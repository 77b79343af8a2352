"""`GET /api/v1/audit`: the audit log for prosecutors and admins (403 for anyone else), newest
first, filtered and paged, with the chain's verification state (data.audit_anchors.ChainWatch).

Each query is itself audited once, as `audit_view` with its filter (not each entry read).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from console.web.api import FLAG_ID, allow_methods, error, to_json
from console.web.auth import current_viewer
from console.web.openapi import (
    Choice,
    Instant,
    Integer,
    ParameterError,
    Reply,
    Text,
    operation,
    parse_query,
)
from console.web.state import web_state
from data import audit
from data.audit_anchors import ChainState

bp = Blueprint("audit_api", __name__, url_prefix="/api/v1")
bp.after_request(allow_methods)  # (OPTIONS: the path's own methods, as the API's other paths)
AUDIT_QUERY = (
    Text(name="user", description="Only entries of this user (account name)", max_length=64),
    Text(
        name="reg_no",
        description="Only entries about this case (its registration number; for account "
        "actions, the account name)",
        max_length=120,
    ),
    Choice(name="action", description="Only this action", values=lambda: audit.ACTIONS),
    Instant(name="since", description="Only entries at or after this instant"),
    Instant(name="until", description="Only entries before this instant"),
    Integer(
        name="before_id",
        description="Only entries older than this one (the previous answer's `next_before_id`)",
        low=1,
        high=FLAG_ID.high,
    ),
    Integer(
        name="limit",
        description="At most this many entries",
        low=1,
        high=audit.MAX_LIMIT,
        default=audit.DEFAULT_LIMIT,
    ),
)


@dataclass(frozen=True)
class AuditEntryView:
    """One entry of the audit log: who (`user`) did what (`action`) to what (`reg_no`: the
    case's registration number, or the account, session or export it was about), when, with
    the details recorded."""

    id: int
    at: datetime
    user: str
    action: str
    reg_no: str
    detail: dict[str, object]


@dataclass(frozen=True)
class AuditPage:
    """Entries newest first; `next_before_id` (None: no more) asks for the following page;
    `verification`: the chain's state (sound up to an entry, or broken at one)."""

    entries: list[AuditEntryView]
    next_before_id: int | None
    verification: ChainState


@bp.errorhandler(ParameterError)
def _bad_request(exc: ParameterError) -> tuple[Response, int]:
    return error(str(exc), 400)


@bp.get("/audit")
@operation(
    summary="The audit log",
    query=AUDIT_QUERY,
    ok=Reply(
        200,
        "Entries newest first, and the chain's verification state",
        AuditPage,
        headers={"Link": 'The next page, `</api/v1/audit?...>; rel="next"`, when there may be one'},
    ),
    errors={400: "a bad or unknown parameter", 403: "a role other than prosecutor or admin"},
    tag="audit",
)
def audit_log() -> tuple[Response, int]:
    """Who logged in, viewed, exported, flagged which case and when: entries newest first,
    filtered by `user`, `reg_no`, `action` and the instants `since` (inclusive) and `until`
    (exclusive), at most `limit` (1-1000, default 100), paged with `before_id`. Prosecutors and
    admins only; the query is itself audited (`audit_view`)."""
    viewer = current_viewer()
    if not viewer.reads_audit:
        return error("only prosecutors and admins may read the audit log", 403)
    args = request.args
    values = parse_query(args, AUDIT_QUERY)
    query = audit.AuditQuery(
        actor=values["user"] or None,
        target=values["reg_no"] or None,
        action=values["action"],
        since=values["since"],
        until=values["until"],
        before_id=values["before_id"],
        limit=values["limit"],
    )
    state = web_state()
    with state.sessions() as s:
        rows = audit.list_entries(s, query)
    with state.writer.begin() as s:
        audit.record(s, viewer.username, "audit_view", "api:audit", {"filter": dict(args)})
    with state.sessions() as s:
        verification = state.audit_watch.state(s, state.now())
    more = len(rows) == query.limit and rows[-1].id > 1
    page = AuditPage(
        [AuditEntryView(r.id, r.at, r.user, r.action, r.target, r.detail) for r in rows],
        rows[-1].id if more else None,
        verification,
    )
    response = jsonify(to_json(asdict(page), state.tz))
    if more:
        following = {**args, "before_id": str(rows[-1].id)}
        response.headers["Link"] = f'</api/v1/audit?{urlencode(following)}>; rel="next"'
    return response, 200
