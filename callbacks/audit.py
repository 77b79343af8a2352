"""The audit page's grid and verification state: prosecutors and admins only, checked on the
server. Each query (the page opened, a filter changed) is itself audited once (`audit_view`)."""

from __future__ import annotations

from datetime import date, time

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State

from callbacks import inputs
from callbacks.context import Context, request_context
from callbacks.overdue import open_clicked_case
from callbacks.view_url import register_view
from components import ids
from components.audit import AUDIT_VIEW, SHOWN, audit_rows, verification_banner
from components.i18n import number_text, t
from data import audit
from rules.clock import end_of_local_day, local_instant

Loaded = tuple[dbc.Alert | str, str, list[dict[str, object]]]


def _day(value: object) -> date | None:
    """A date input's value (YYYY-MM-DD); None for none or anything else."""
    given = inputs.text(value)
    try:
        return date.fromisoformat(given) if given else None
    except ValueError:
        return None


def load_audit(
    ctx: Context,
    user: object,
    reg_no: object,
    action: object,
    since: object,
    until: object,
    lang: object,
) -> Loaded:
    """(verification banner, summary line, rows) for a prosecutor or an admin; the days
    `since`..`until` are whole local days of the console's zone."""
    lang = inputs.language(lang)
    if not ctx.viewer.reads_audit:
        return t("audit.forbidden", lang), "", []
    first, last = _day(since), _day(until)
    query = audit.AuditQuery(
        actor=(inputs.text(user) or "").strip() or None,
        target=(inputs.text(reg_no) or "").strip() or None,
        action=inputs.choice(action, audit.ACTIONS, "") or None,
        since=local_instant(first, time(0), ctx.tz) if first else None,
        until=end_of_local_day(last, ctx.tz) if last else None,
        limit=SHOWN,
    )
    with ctx.sessions() as s:
        rows = audit.list_entries(s, query) if not (first and last and first > last) else []
    with ctx.writer.begin() as s:  # (after the reading: the query is not among its results)
        filters = {k: v for k, v in vars(query).items() if v is not None and k != "limit"}
        audit.record(
            s, ctx.viewer.username, "audit_view", "page:audit", {"filter": filters}, ctx.stamp
        )
    with ctx.sessions() as s:
        state = ctx.audit_watch.state(s, ctx.now) if ctx.audit_watch else None
    banner = verification_banner(state, ctx.tz, lang) if state else ""
    if first and last and first > last:
        return banner, t("audit.bad_dates", lang), []
    summary = t(
        "audit.summary", lang, shown=number_text(len(rows), lang), limit=number_text(SHOWN, lang)
    )
    return banner, summary, audit_rows(rows, ctx.tz, lang)


def register(app: Dash) -> None:
    filters = [(ids.AUDIT_USER, "value"), (ids.AUDIT_REG_NO, "value"), (ids.AUDIT_ACTION, "value")]
    register_view(app, AUDIT_VIEW, [*filters, (ids.AUDIT_SINCE, "date"), (ids.AUDIT_UNTIL, "date")])

    @app.callback(
        Output(ids.AUDIT_STATE, "children"),
        Output(ids.AUDIT_SUMMARY, "children"),
        Output(ids.AUDIT_GRID, "rowData"),
        Input(ids.AUDIT_GRID, "id"),
        Input(ids.AUDIT_USER, "value"),
        Input(ids.AUDIT_REG_NO, "value"),
        Input(ids.AUDIT_ACTION, "value"),
        Input(ids.AUDIT_SINCE, "date"),
        Input(ids.AUDIT_UNTIL, "date"),
        State(ids.LANG, "data"),
    )
    def update_audit(_: object, *filters_and_lang: object) -> Loaded:
        return load_audit(request_context(), *filters_and_lang)

    @app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Input(ids.AUDIT_GRID, "cellClicked"),
        prevent_initial_call=True,
    )
    def open_audited_case(cell: object) -> str:
        return open_clicked_case(cell)
