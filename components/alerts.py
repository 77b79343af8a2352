"""The alert ladder as the pages show it: the case page's alert card (state, escalation level,
steps: who, when, what, comment; and the buttons of the people who may act) and the overdue
grids' alert badge text."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html
from dash.development.base_component import Component

from components import ids
from components.common import card, empty_state
from components.formatting import local_datetime
from components.i18n import t
from data.alerts import AlertInfo, StepInfo
from rules import alerts as ladder
from rules.access import Viewer

STATE_COLORS = {
    "open": "warning",
    "escalated": "danger",
    "acknowledged": "info",
    "claimed": "primary",
    "closed": "secondary",
}
LIGHT_COLORS = frozenset({"warning", "info"})  # dark text on them (contrast)

ACTION_COLORS: tuple[tuple[ladder.Action, str], ...] = (
    ("ack", "warning"),
    ("claim", "primary"),
    ("close", "secondary"),
)


def state_text(state: str, level: int, lang: str) -> str:
    """ "эскалирована · Уровень 2" (the level only when above 0)."""
    text = t(f"alert.state.{state}", lang)
    return f"{text} · {t('alert.level', lang, level=level)}" if level else text


def state_badge(alert: AlertInfo, lang: str) -> dbc.Badge:
    """The alert's state (and level) as a coloured badge."""
    color = STATE_COLORS.get(alert.state, "secondary")
    return dbc.Badge(
        state_text(alert.state, alert.escalation_level, lang),
        color=color,
        text_color="dark" if color in LIGHT_COLORS else None,
        className=f"kup-alert-state kup-alert-state-{alert.state}",
    )


def step_item(step: StepInfo, lang: str, tz: ZoneInfo) -> html.Li:
    """ "who, when · what" above the comment (as text)."""
    who = t("alert.system", lang) if step.actor == "system" else step.actor
    what = t(f"alert.step.{step.step}", lang)
    if step.step == "escalated":
        what = f"{what}: {t(f'alert.level.{step.level}', lang)}"
    return html.Li(
        [
            html.Div(
                [
                    html.Span(
                        t("flag.by", lang, by=who, at=local_datetime(step.at, tz, lang)),
                        className="fw-semibold",
                    ),
                    html.Span(f" · {what}", className="small text-body-secondary"),
                ]
            ),
            html.Div(step.comment or "", className="text-break kup-summary"),
        ],
        className=f"kup-alert-step kup-alert-step-{step.step} mb-1",
    )


def alert_controls(alert: AlertInfo, viewer: Viewer, lang: str) -> html.Div | None:
    """The comment box and the buttons the viewer may use on a live alert (none if none)."""
    if alert.state == "closed" or not ladder.may_act(viewer, alert.region, alert.escalation_level):
        return None
    stored = "open" if alert.state == "escalated" else alert.state
    buttons: list[Component] = []
    assignee: list[Component] = []
    for action, color in ACTION_COLORS:
        starts, _ = ladder.TRANSITIONS[action]
        if stored not in starts:
            continue
        if action == "claim":
            assignee = [
                dbc.Label(t("alert.assignee", lang), className="small mb-0"),
                dbc.Input(
                    id={"type": ids.ALERT_ASSIGNEE_TYPE, "alert": alert.id},
                    value=alert.assignee or viewer.username,
                    placeholder=t("alert.assignee", lang),
                    maxLength=64,
                    size="sm",
                    className="mb-2",
                ),
            ]
        buttons.append(
            dbc.Button(
                t(f"alert.{action}", lang),
                id={"type": ids.ALERT_ACTION_TYPE, "action": action, "alert": alert.id},
                color=color,
                size="sm",
                className="me-2",
            )
        )
    return html.Div(
        [
            *assignee,
            dbc.Textarea(
                id={"type": ids.ALERT_COMMENT_TYPE, "alert": alert.id},
                placeholder=t("alert.comment", lang),
                maxLength=2000,
                rows=2,
                size="sm",
                className="mb-2",
            ),
            html.Div(buttons),
        ],
        className="kup-alert-controls kup-no-print mt-2 mt-lg-0",
    )


def alert_card(alerts: Sequence[AlertInfo], viewer: Viewer, lang: str, tz: ZoneInfo) -> Component:
    """The case page's card of the case's alerts (newest first): state, level, reason,
    assignee, steps, and the controls of the live one."""
    if not alerts:
        body: Component = empty_state(t("alert.none", lang))
    else:
        items = []
        for alert in alerts:
            head: list[Component] = [
                state_badge(alert, lang),
                html.Span(
                    f" {t(f'alert.reason.{alert.reason}', lang)}",
                    className="small text-body-secondary ms-1",
                ),
            ]
            if alert.assignee:
                head.append(
                    html.Div(f"{t('alert.assignee', lang)}: {alert.assignee}", className="small")
                )
            history = [
                html.Div(head),
                html.Ol(
                    [step_item(s, lang, tz) for s in alert.steps],
                    className="kup-alert-steps list-unstyled mb-0 mt-1",
                ),
            ]
            controls = alert_controls(alert, viewer, lang)
            # The history beside the controls on a wide screen, above them on a narrow one.
            row = dbc.Row(
                [dbc.Col(history, lg=7), *([dbc.Col(controls, lg=5)] if controls else [])]
            )
            items.append(dbc.ListGroupItem(row, className="kup-alert"))
        body = dbc.ListGroup(items, flush=True)
    shown: Component = card(t("alert.title", lang), body, class_name="mb-3 kup-alert-card")
    return shown


def grid_text(state: tuple[str, int] | None, lang: str) -> str:
    """The overdue grids' words for a live alert: "тревога: принята" ("" without one)."""
    if not state:
        return ""
    return f"{t('alert.title', lang).lower()}: {state_text(state[0], state[1], lang)}"
