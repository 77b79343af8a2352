"""Callbacks of the case page: its body (scoped: a case of another region looks exactly like a
missing one), setting and clearing flags (refused by data.flags for other roles), acting on its
alert (data.alerts' service checks role, region, state and comment again)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks import inputs
from callbacks.context import Context, request_context
from callbacks.printing import printed_by
from components import ids
from components.alerts import alert_card
from components.case import case_body, case_not_found
from components.i18n import t
from data import alerts, audit, case_record, flags
from rules.alerts import AlertRefused


def show_case(context: Context, reg_no: Any, lang: Any, record_view: bool) -> Any:
    """The case's page content under its print-only header, or the not-found state (also
    for other regions' cases). The first render of a found case is written to the audit
    log."""
    reg_no, lang = inputs.text(reg_no), inputs.language(lang)
    if not reg_no:
        raise PreventUpdate
    with context.sessions() as session:
        detail = case_record.case_detail(
            session, reg_no, context.viewer.region, context.now, context.due_soon
        )
    if detail is None:
        return case_not_found(reg_no, lang)
    if record_view:
        with context.writer.begin() as session:
            audit.record(session, context.viewer.username, "case_view", reg_no, {}, context.stamp)
    return [
        printed_by(context, lang),
        *case_body(detail, lang, context.tz, context.viewer.can_flag, context.now),
    ]


def change_flag(
    context: Context, reg_no: Any, action: str, comment: Any, flag_id: Any, lang: Any
) -> tuple[Any, bool]:
    """Set (`action` "flag": or comment on the case's active flag) or clear ("clear") a flag,
    each with a comment, from the case page or the overdue page, through data.flags' service
    (which checks role, region and comment, audits, and announces the change to every page
    that may see the case). Returns the message and whether it was done."""
    reg_no, comment, lang = inputs.reg_no(reg_no), inputs.text(comment), inputs.language(lang)
    flag = inputs.number(flag_id)
    if not reg_no:
        raise PreventUpdate
    if context.as_of is not None:
        return dbc.Alert(t("as_of.read_only", lang), color="warning"), False
    if not (comment or "").strip():
        need = "flag.need_comment" if action == "flag" else "flag.need_clear_comment"
        return dbc.Alert(t(need, lang), color="warning"), False
    service = flags.FlagService(context.writer, context.redis, context.streams)
    try:
        if action == "flag":
            change = service.set(context.viewer, reg_no, comment, context.stamp)
        else:
            change = service.clear(context.viewer, reg_no, flag, comment, context.stamp)
    except PermissionError:
        return dbc.Alert(t("flag.denied", lang), color="danger"), False
    except LookupError:
        return dbc.Alert(t("case.not_found_body", lang, reg_no=reg_no), color="danger"), False
    except ValueError as exc:
        return dbc.Alert(t("flag.error", lang, error=str(exc)), color="danger"), False
    key = {"flag": "flag.done", "comment": "flag.commented", "clear": "flag.cleared"}
    message = t(key[change.flag.history[-1].kind], lang, reg_no=reg_no)
    return dbc.Alert(message, color="success", duration=8000), True


ALERT_ACTIONS = ("ack", "claim", "close")


def show_alerts(context: Context, reg_no: Any, lang: Any) -> Any:
    """The case's alert card (none for a case without alerts, and for a case the viewer may
    not see: nothing tells it apart from a missing one)."""
    reg_no, lang = inputs.reg_no(reg_no), inputs.language(lang)
    if not reg_no:
        raise PreventUpdate
    with context.sessions() as session:
        found = alerts.alerts_of_case(session, context.viewer, reg_no)
    return alert_card(found, context.viewer, lang, context.tz) if found else None


def act_on_alert(
    context: Context, alert_id: Any, action: Any, comment: Any, assignee: Any, lang: Any
) -> tuple[Any, bool]:
    """Acknowledge, claim (with an assignee) or close an alert from the case page, each with a
    comment, through data.alerts' service (which checks role, region, state and text, audits,
    and announces the step to every page that may see the case). Returns the message and
    whether it was done."""
    number, lang = inputs.number(alert_id), inputs.language(lang)
    comment, assignee = inputs.text(comment), inputs.text(assignee)
    if not number or action not in ALERT_ACTIONS:
        raise PreventUpdate
    if context.as_of is not None:
        return dbc.Alert(t("as_of.read_only", lang), color="warning"), False
    if not (comment or "").strip():
        return dbc.Alert(t("alert.need_comment", lang), color="warning"), False
    if action == "claim" and not (assignee or "").strip():
        return dbc.Alert(t("alert.need_assignee", lang), color="warning"), False
    service = alerts.AlertService(context.writer, context.redis, context.streams)
    try:
        service.act(context.viewer, number, action, comment, assignee, context.stamp)
    except PermissionError:
        return dbc.Alert(t("alert.denied", lang), color="danger"), False
    except LookupError:
        return dbc.Alert(t("alert.none", lang), color="danger"), False
    except (AlertRefused, ValueError) as exc:
        return dbc.Alert(t("alert.refused", lang, error=str(exc)), color="danger"), False
    return dbc.Alert(t(f"alert.done.{action}", lang), color="success", duration=8000), True


def typed_in(states: Any, key: str, wanted: Any) -> Any:
    """The value typed in the box whose pattern-matching id has `key` == `wanted` (states of
    pattern-matching boxes: [{"id": {..., key: wanted}, "value": ...}, ...])."""
    for state in states if isinstance(states, list) else []:
        if isinstance(state, dict) and inputs.mapping(state.get("id")).get(key) == wanted:
            return state.get("value")
    return None


def clear_comment(flag_id: Any, states: Any) -> Any:
    """The comment typed in the clear box of flag `flag_id`."""
    return typed_in(states, "flag", flag_id)


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.CASE_BODY, "children"),
        Input(ids.CASE_REG_NO, "data"),
        Input(ids.CASE_FLAG_VERSION, "data"),
        Input(ids.SOCKET, "data-flags"),
        Input(ids.RESYNC, "data"),
        State(ids.LANG, "data"),
    )
    def update_case_body(reg_no: Any, _version: Any, pushed: Any, _resync: Any, lang: Any) -> Any:
        trigger = ctx.triggered_id
        if trigger == ids.SOCKET and inputs.mapping(pushed).get("reg_no") != reg_no:
            raise PreventUpdate
        return show_case(
            request_context(), reg_no, lang, record_view=trigger in (None, ids.CASE_REG_NO)
        )

    @app.callback(
        Output(ids.CASE_FLAG_RESULT, "children"),
        Output(ids.CASE_FLAG_VERSION, "data"),
        Input(ids.CASE_FLAG_BUTTON, "n_clicks"),
        Input({"type": ids.CLEAR_FLAG_TYPE, "flag": ALL}, "n_clicks"),
        State(ids.CASE_FLAG_COMMENT, "value"),
        State({"type": ids.CLEAR_COMMENT_TYPE, "flag": ALL}, "value"),
        State(ids.CASE_REG_NO, "data"),
        State(ids.CASE_FLAG_VERSION, "data"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def update_case_flags(
        flag_clicks: Any,
        clear_clicks: Any,
        comment: Any,
        _clear_comments: Any,
        reg_no: Any,
        version: Any,
        lang: Any,
    ) -> tuple[Any, Any]:
        trigger = ctx.triggered_id
        if trigger == ids.CASE_FLAG_BUTTON and inputs.number(flag_clicks):
            message, done = change_flag(request_context(), reg_no, "flag", comment, None, lang)
        elif isinstance(trigger, dict) and any(inputs.numbers(clear_clicks)):
            flag_id = trigger.get("flag")
            typed = clear_comment(flag_id, ctx.states_list[1])
            message, done = change_flag(request_context(), reg_no, "clear", typed, flag_id, lang)
        else:
            raise PreventUpdate
        return message, (inputs.number(version) + 1 if done else no_update)

    @app.callback(
        Output(ids.CASE_ALERTS, "children"),
        Input(ids.CASE_REG_NO, "data"),
        Input(ids.CASE_ALERT_VERSION, "data"),
        Input(ids.SOCKET, "data-alerts"),
        Input(ids.RESYNC, "data"),
        State(ids.LANG, "data"),
    )
    def update_case_alerts(reg_no: Any, _version: Any, pushed: Any, _resync: Any, lang: Any) -> Any:
        if ctx.triggered_id == ids.SOCKET and inputs.mapping(pushed).get("reg_no") != reg_no:
            raise PreventUpdate
        return show_alerts(request_context(), reg_no, lang)

    @app.callback(
        Output(ids.CASE_ALERT_RESULT, "children"),
        Output(ids.CASE_ALERT_VERSION, "data"),
        Input({"type": ids.ALERT_ACTION_TYPE, "action": ALL, "alert": ALL}, "n_clicks"),
        State({"type": ids.ALERT_COMMENT_TYPE, "alert": ALL}, "value"),
        State({"type": ids.ALERT_ASSIGNEE_TYPE, "alert": ALL}, "value"),
        State(ids.CASE_ALERT_VERSION, "data"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def update_case_alert(
        clicks: Any, _comments: Any, _assignees: Any, version: Any, lang: Any
    ) -> tuple[Any, Any]:
        trigger = ctx.triggered_id
        if not isinstance(trigger, dict) or not any(inputs.numbers(clicks)):
            raise PreventUpdate
        alert_id = trigger.get("alert")
        message, done = act_on_alert(
            request_context(),
            alert_id,
            trigger.get("action"),
            typed_in(ctx.states_list[0], "alert", alert_id),
            typed_in(ctx.states_list[1], "alert", alert_id),
            lang,
        )
        return message, (inputs.number(version) + 1 if done else no_update)
