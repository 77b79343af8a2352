"""The case page (`/cases/<reg_no>`): state, timeline, deadline history, flags."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from components import ids
from components.breaches import breaches_card
from components.common import card, empty_state, loading, status_badge
from components.flags import flag_history
from components.formatting import deadline_text as last_day_text
from components.formatting import local_datetime
from components.i18n import (
    district_name,
    duration_text,
    has,
    label,
    number_text,
    region_name,
    t,
)
from data.case_lists import CaseSummary
from data.case_record import CaseDetail, CaseEvent, FlagEntry

HIDDEN_FIELDS = frozenset(
    {"schema", "type", "event_id", "reg_no", "occurred_at", "actor", "summary"}
)
TIME_FIELDS = frozenset({"received_at", "decided_at"})
NUMBER_FIELDS = frozenset({"lat", "lon"})
CODED_FIELDS = {
    "category": "category",
    "kind": "kind",
    "source": "source",
    "priority": "priority",
    "decision": "decision",
    "authority": "authority",
}


def field_text(name: str, value: object, lang: str, tz: ZoneInfo) -> str:
    """One event field as "name: value" text (codes translated, times local)."""
    key = f"field.{name}"
    title = t(key, lang) if has(key) else name
    if name in TIME_FIELDS:
        try:
            shown = local_datetime(str(value), tz, lang)
        except ValueError:
            shown = str(value)
    elif name in NUMBER_FIELDS:
        try:
            shown = number_text(Decimal(str(value)), lang, exact=True)
        except InvalidOperation:
            shown = str(value)
    elif name == "district":
        shown = district_name(str(value), lang)
    elif name in CODED_FIELDS:
        shown = label(CODED_FIELDS[name], str(value), lang)
    else:
        shown = str(value)
    return f"{title}: {shown}"


def event_item(event: CaseEvent, lang: str, tz: ZoneInfo) -> dbc.ListGroupItem:
    """One event of the timeline: local time, what happened, who, its fields (as text)."""
    details = [
        field_text(k, v, lang, tz)
        for k, v in event.fields.items()
        if k not in HIDDEN_FIELDS and v not in (None, "")
    ]
    head = [
        html.Span(
            local_datetime(event.occurred_at, tz, lang),
            className="font-monospace text-body-secondary",
        ),
        dbc.Badge(label("event", event.type, lang), color="secondary"),
    ]
    if event.actor:
        head.append(html.Span(f"{t('case.actor', lang)}: {event.actor}", className="small"))
    data_attributes: dict[str, Any] = {"data-type": event.type}
    if not event.applied:
        head.append(dbc.Badge(t("case.pending", lang), color="warning", text_color="dark"))
    return dbc.ListGroupItem(
        html.Div(
            [
                html.Div(head, className="d-flex align-items-center gap-2 flex-wrap"),
                html.Div("; ".join(details), className="small text-break mt-1")
                if details
                else None,
            ],
            **data_attributes,
        ),
        className="kup-event",
    )


def facts(rows: list[tuple[str, object]]) -> html.Dl:
    """A definition list of the non-empty (title, value) pairs."""
    children = []
    for title, value in rows:
        if value in (None, ""):
            continue
        children += [
            html.Dt(title, className="col-sm-5 fw-normal text-body-secondary"),
            html.Dd(str(value), className="col-sm-7 mb-1"),
        ]
    return html.Dl(children, className="row mb-0")


def flag_controls(lang: str, active: bool = False) -> html.Div:
    """Comment box and Flag button of the case page (prosecutors and admins); with an active
    flag the button adds the comment to it."""
    return html.Div(
        [
            dbc.Textarea(
                id=ids.CASE_FLAG_COMMENT,
                maxLength=2000,
                rows=2,
                placeholder=t("flag.comment", lang),
                className="mb-2",
            ),
            dbc.Button(
                t("flag.add_comment" if active else "flag.button", lang),
                id=ids.CASE_FLAG_BUTTON,
                color="danger",
                size="sm",
            ),
        ],
        className="mt-3 kup-no-print",
    )


def clear_control(flag_id: int, lang: str) -> html.Div:
    """The comment box a flag is cleared with (required) and its Clear button."""
    return html.Div(
        [
            dbc.Input(
                id=ids.clear_flag_comment(flag_id),
                maxLength=2000,
                placeholder=t("flag.clear_comment", lang),
                size="sm",
            ),
            dbc.Button(
                t("flag.clear", lang),
                id=ids.clear_flag_button(flag_id),
                color="secondary",
                outline=True,
                size="sm",
                className="text-nowrap",
            ),
        ],
        className="d-flex gap-2 mt-2",
    )


def flag_list(
    flags: Sequence[FlagEntry], lang: str, tz: ZoneInfo, can_flag: bool
) -> list[Component]:
    """Every flag (newest first as stored) with its history: who said what, when; the
    active flag's clear control if allowed."""
    if not flags:
        return [empty_state(t("flag.none", lang))]
    items = []
    for flag in flags:
        active = flag.cleared_at is None
        status = (
            dbc.Badge(t("flag.active", lang), color="danger")
            if active
            else dbc.Badge(t("flag.cleared_state", lang), color="secondary")
        )
        body = [html.Div(status), flag_history(flag.history, lang, tz)]
        if active and can_flag:
            body.append(clear_control(flag.id, lang))
        items.append(
            dbc.ListGroupItem(body, className="kup-flag" + (" kup-flag-active" if active else ""))
        )
    return [dbc.ListGroup(items, flush=True)]


def deadline_text(case: CaseSummary, lang: str, tz: ZoneInfo, now: datetime | None) -> str:
    """The deadline as its last day ("до 24:00 03.11.2026"), with how long is left or how
    long it is overdue."""
    shown = last_day_text(case.deadline, tz, lang)
    if now is None or case.decision:
        return shown
    left = case.deadline - now
    key = "col.time_left" if left.total_seconds() > 0 else "col.overdue_by"
    return f"{shown} ({t(key, lang).lower()} {duration_text(left, lang)})"


def case_body(
    detail: CaseDetail, lang: str, tz: ZoneInfo, can_flag: bool, now: datetime | None = None
) -> list[Component]:
    """The case's page content from its CaseDetail (`now` for the time left)."""
    case = detail.case
    badges = [
        status_badge(case.status, lang),
        dbc.Badge(label("category", case.category, lang), color="info", text_color="dark"),
        dbc.Badge(
            label("kind", case.kind, lang),
            color="light",
            text_color="dark",
            className="border",
        ),
    ]
    if case.priority == "high":
        badges.append(dbc.Badge(f"! {label('priority', 'high', lang)}", color="danger"))
    if case.late_registration:
        badges.append(dbc.Badge(t("case.late", lang), color="warning", text_color="dark"))
    if case.flagged:
        badges.append(dbc.Badge(f"⚑ {t('flag.title', lang)}", color="danger"))
    details = facts(
        [
            (t("col.district", lang), district_name(case.district, lang)),
            (t("col.region", lang), region_name(case.region, lang)),
            (t("case.received_at", lang), local_datetime(case.received_at, tz, lang)),
            (t("case.registered_at", lang), local_datetime(case.registered_at, tz, lang)),
            (t("case.deadline", lang), deadline_text(case, lang, tz, now)),
            (
                t("case.decision", lang),
                f"{label('decision', case.decision, lang)}, "
                f"{local_datetime(case.decided_at, tz, lang)}"
                if case.decision
                else None,
            ),
            (t("field.transferred_to", lang), case.transferred_to),
            (t("case.source", lang), label("source", case.source or "", lang)),
            (t("field.article", lang), case.article),
            (t("case.address", lang), case.address),
        ]
    )
    assignment = facts(
        [
            (t("col.unit", lang), case.unit or t("workload.unassigned", lang)),
            (t("col.officer", lang), case.officer or t("workload.unassigned", lang)),
            (t("case.period", lang), case.period_days),
            (t("event.extended", lang), case.extensions or None),
            (t("event.reopened", lang), case.reopenings or None),
        ]
    )
    timeline = (
        dbc.ListGroup([event_item(e, lang, tz) for e in detail.events], flush=True)
        if detail.events
        else empty_state(t("case.no_events", lang))
    )
    history = dbc.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(t("case.set_at", lang)),
                        html.Th(t("col.deadline", lang)),
                        html.Th(t("case.period", lang)),
                        html.Th(t("case.reason", lang)),
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(local_datetime(d.set_at, tz, lang)),
                            html.Td(last_day_text(d.deadline, tz, lang)),
                            html.Td(str(d.period_days)),
                            html.Td(label("reason", d.reason, lang)),
                        ]
                    )
                    for d in detail.deadlines
                ]
            ),
        ],
        size="sm",
        striped=True,
        className="mb-0",
    )
    flags = flag_list(detail.flags, lang, tz, can_flag)
    if can_flag:
        flags.append(flag_controls(lang, any(f.cleared_at is None for f in detail.flags)))
    return [
        html.Div(
            [
                html.H1(
                    t("case.title", lang, reg_no=case.reg_no), className="h3 mb-0 font-monospace"
                ),
                *badges,
            ],
            className="d-flex align-items-center gap-2 flex-wrap mb-2",
        ),
        html.P(case.summary or "", className="lead text-break kup-summary"),
        dbc.Row(
            [
                dbc.Col(
                    [
                        card(t("case.details", lang), details, class_name="mb-3"),
                        card(t("case.assignment", lang), assignment, class_name="mb-3"),
                        card(
                            t("case.flags", lang),
                            html.Div(flags, id=ids.CASE_FLAGS),
                            class_name="mb-3",
                        ),
                    ],
                    lg=5,
                ),
                dbc.Col(
                    [
                        card(t("case.timeline", lang), timeline, class_name="mb-3"),
                        card(t("case.deadlines", lang), history, class_name="mb-3"),
                        breaches_card(detail.breaches, lang, tz),
                    ],
                    lg=7,
                ),
            ],
            className="g-3",
        ),
    ]


def case_not_found(reg_no: str, lang: str) -> html.Div:
    """The same answer for a missing case and one outside the viewer's region."""
    return html.Div(
        [
            html.H1(t("case.not_found", lang), className="h3"),
            html.P(t("case.not_found_body", lang, reg_no=reg_no)),
            dcc.Link(t("case.back", lang), href="/"),
        ],
        className="py-5 text-center kup-not-found",
    )


def case_page(reg_no: str, lang: str) -> html.Div:
    """The skeleton of the case page (its body is filled by a callback)."""
    return html.Div(
        [
            dcc.Store(id=ids.CASE_REG_NO, data=reg_no),
            dcc.Store(id=ids.CASE_FLAG_VERSION, data=0),
            dcc.Store(id=ids.CASE_ALERT_VERSION, data=0),
            dcc.Link(t("case.back", lang), href="/", className="small kup-no-print"),
            html.Div(id=ids.CASE_FLAG_RESULT, className="my-2 kup-no-print"),
            html.Div(id=ids.CASE_ALERT_RESULT, className="my-2 kup-no-print"),
            html.Div(id=ids.CASE_ALERTS),  # the case's alert card, if it has alerts
            loading(html.Div(empty_state(t("loading", lang)), id=ids.CASE_BODY), lang),
        ]
    )
