"""The alert ladder's JSON API (`/api/v1/alerts`, data.alerts, rules.alerts): list alerts in
the caller's scope, acknowledge, claim and close one. Its routes are on the API's blueprint
(console/web/api.py: the same login, CSRF for session requests, error shapes, `Allow` answers
and document); the app factory imports this module before registering it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict

from flask import Response, request

from console.runtime import Services
from console.web.api import MAX_FLAG_ID, NOT_BLANK, _json, bp, error
from console.web.auth import current_viewer
from console.web.openapi import (
    Choice,
    Integer,
    ParameterError,
    Reply,
    Text,
    View,
    operation,
    parse_body,
    parse_query,
)
from console.web.state import web_state
from data import alerts, flags
from rules import alerts as ladder

MAX_ALERTS = 500

ALERT_QUERY = (
    Choice(
        name="state",
        description="Only alerts in this state (`escalated`: open, not acknowledged, escalated "
        "at least once; `open`: open and not escalated)",
        values=lambda: ladder.SHOWN_STATES,
    ),
    Integer(
        name="limit", description="At most this many alerts", low=1, high=MAX_ALERTS, default=100
    ),
)
ALERT_ID = Integer(
    name="alert_id", where="path", description="The alert's id", low=1, high=MAX_FLAG_ID
)
COMMENT = Text(
    name="comment",
    description="What was done and why (kept in the alert's history and the audit log)",
    required=True,
    max_length=flags.MAX_COMMENT_LENGTH,
    patterns=(NOT_BLANK, (r"^[^\u0000]*$", "must not contain a NUL character")),
)
ACK_BODY = (COMMENT,)
CLAIM_BODY = (
    COMMENT,
    Text(
        name="assignee",
        description="Who takes the alert on (a name)",
        required=True,
        max_length=alerts.MAX_ASSIGNEE_LENGTH,
        patterns=(NOT_BLANK, (r"^[^\u0000]*$", "must not contain a NUL character")),
    ),
)
ACTORS_ONLY = (
    "a role that may not act on this alert (duty commanders, managers and admins of its "
    "region; prosecutors once it reached them)"
)


def _service(state: Services) -> alerts.AlertService:
    client = state.metrics.store.client if state.metrics is not None else None
    return alerts.AlertService(state.writer, client, state.settings.streams)


@bp.get("/alerts")
@operation(
    summary="Alerts",
    query=ALERT_QUERY,
    ok=Reply(200, "The alerts in the caller's scope, newest first", list[alerts.AlertInfo]),
    errors={400: "a bad or unknown parameter"},
    tag="alerts",
)
def list_alerts() -> tuple[Response, int]:
    """Alerts of the caller's region (every region for users without one), newest first, each
    with its steps (who, when, what, comment)."""
    query = parse_query(request.args, ALERT_QUERY)
    state, viewer = web_state(), current_viewer()
    with state.sessions() as s:
        found = alerts.list_alerts(s, viewer, query["state"], query["limit"])
    return _json([asdict(a) for a in found])


def _act(
    alert_id: str, action: ladder.Action, body_params: tuple[Text, ...]
) -> tuple[Response, int]:
    number = ALERT_ID.parse(alert_id)
    viewer = current_viewer()
    if not ladder.may_act_at_all(viewer):
        return error(f"this role may not act on alerts: {ACTORS_ONLY}", 403)
    body = parse_body(request.get_json(silent=True), body_params)
    try:
        shown = _service(web_state()).act(
            viewer, number, action, body["comment"], body.get("assignee")
        )
    except LookupError:
        return error(f"no alert {number}", 404)
    except PermissionError:
        return error(ACTORS_ONLY, 403)
    except ladder.AlertRefused as exc:
        return error(str(exc), 409)
    except ValueError as exc:
        raise ParameterError(str(exc)) from None
    return _json(asdict(shown))


COMMENT_ONLY = 'a body that is not {"comment": ...} with a non-empty comment'


def _links(*steps: str) -> dict[str, object]:
    """OpenAPI links from an answer holding an alert (`id`) to these steps' operations."""
    return {
        "links": {
            step: {
                "operationId": f"api_{step}_alert",
                "parameters": {"alert_id": "$response.body#/id"},
                "description": f"{step.capitalize()} this alert",
            }
            for step in steps
        }
    }


def step_operation(
    summary: str,
    done: str,
    body: tuple[Text, ...],
    refused: str,
    bad_body: str = COMMENT_ONLY,
    then: tuple[str, ...] = (),
) -> Callable[[View], View]:
    """The declaration of one of the alert's step operations (ack, claim, close), linked to
    the steps that may follow (`then`)."""
    return operation(
        summary=summary,
        path=(ALERT_ID,),
        body=body,
        ok=Reply(200, done, alerts.AlertInfo),
        errors={
            400: f"a malformed id, or {bad_body}",
            403: ACTORS_ONLY,
            404: "no such alert in the caller's scope",
            409: refused,
        },
        tag="alerts",
        extra=_links(*then),
    )


@bp.post("/alerts/<alert_id>/ack")
@step_operation(
    "Acknowledge an alert",
    "The acknowledged alert",
    ACK_BODY,
    "the alert is not open (acknowledged, claimed or closed already)",
    then=("claim", "close"),
)
def ack_alert(alert_id: str) -> tuple[Response, int]:
    """Acknowledge an open alert with a comment: `{"comment": "..."}` (it escalates no
    further)."""
    return _act(alert_id, "ack", ACK_BODY)


@bp.post("/alerts/<alert_id>/claim")
@step_operation(
    "Claim an alert",
    "The claimed alert",
    CLAIM_BODY,
    "the alert is not acknowledged yet, or closed",
    'a body that is not {"comment": ..., "assignee": ...} with both non-empty',
    then=("claim", "close"),
)
def claim_alert(alert_id: str) -> tuple[Response, int]:
    """Name who takes an acknowledged alert on: `{"comment": "...", "assignee": "..."}` (a
    claimed alert may be claimed again for someone else)."""
    return _act(alert_id, "claim", CLAIM_BODY)


@bp.post("/alerts/<alert_id>/close")
@step_operation(
    "Close an alert by hand", "The closed alert", ACK_BODY, "the alert is closed already"
)
def close_alert(alert_id: str) -> tuple[Response, int]:
    """Close an alert by hand, with a comment (alerts close by themselves when their case is
    decided or extended)."""
    return _act(alert_id, "close", ACK_BODY)
