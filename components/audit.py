"""The audit page (`/audit`, prosecutors and admins): who logged in, viewed, exported, flagged
which case and when, newest first, filtered, with the chain's verification state
(data.audit_anchors.ChainState) said in the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.common import date_field, filter_dropdown, loading
from components.formatting import date_text, local_datetime
from components.i18n import district_name, grid_locale, label, number_text, region_name, t
from components.view_state import ViewSpec
from data.audit import ACTIONS, AuditRow
from data.audit_anchors import ChainState
from rules.contract import REG_NO_RE

PATH = "/audit"
SHOWN = 500  # the newest entries matching the filters (the API pages through all)


def action_options(lang: str) -> list[dict[str, str]]:
    """The actions, by their names in `lang`."""
    return [{"label": label("audit.action", a, lang), "value": a} for a in ACTIONS]


# The recorded values that are codes, by the detail's name: the prefix of their labels.
_CODED = {
    "role": "role",
    "status": "status",
    "statuses": "status",
    "category": "category",
    "kind": "kind",
    "decision": "decision",
    "state": "alert.state",
    "channel": "notify.channel",
    "format": "audit.format",
    "via": "audit.via",
    "reason": "audit.reason",
    "by": "audit.by",
    "group": "integrity.group",
    "action": "audit.action",
}
_REGIONS = ("region", "scope_region")


def _value_text(key: str, value: object, lang: str, tz: ZoneInfo) -> str:
    """A recorded value in `lang`: a code by its label (a region, a district by its name), a
    yes or no, a number as `lang` writes it, a date as the page shows dates, a filter (a
    mapping, or a query string for the workload's drill-down) as its names and values, no
    value as «—», an instant in the console's zone `tz`; other text (a name, a comment, an
    address) as recorded."""
    if value is None or value == "":
        return t("audit.value.none", lang)
    if isinstance(value, bool):
        return t("yes" if value else "no", lang)
    if isinstance(value, int | float):
        return number_text(value, lang)
    if isinstance(value, Mapping):
        return _detail_text(value, lang, tz, ", ") or t("audit.value.none", lang)
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(key, item, lang, tz) for item in value)
    text = str(value)
    if key == "drill":
        return _detail_text(dict(parse_qsl(text.lstrip("?"))), lang, tz, ", ") or t(
            "audit.value.all", lang
        )
    if key in _REGIONS:
        return region_name(text, lang)
    if key == "district":
        return district_name(text, lang)
    if key in ("since", "until"):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment.tzinfo is None:
            return date_text(moment.date(), lang)
        return local_datetime(moment, tz, lang)
    if key == "target":
        return object_text(text, lang)
    if key in ("status", "statuses") and text == "all":
        return t("audit.value.all", lang)
    if key in _CODED:
        return label(_CODED[key], text, lang)
    return text


def _detail_text(detail: Mapping[str, object], lang: str, tz: ZoneInfo, joint: str = "; ") -> str:
    """The recorded details, their names and values in `lang` (a name as recorded when the
    table has none)."""
    return joint.join(
        f"{label('audit.detail', key, lang)}: {_value_text(key, value, lang, tz)}"
        for key, value in detail.items()
    )


def object_text(target: str, lang: str) -> str:
    """The object of an entry that is no case: a page, a part of the API, the session, in
    `lang`; a user's name (or a subscription's number) as recorded."""
    return label("audit.object", target, lang)


def audit_rows(rows: Sequence[AuditRow], tz: ZoneInfo, lang: str) -> list[dict[str, object]]:
    """Grid rows: local time, the action's name, the case (a link) or the other object."""
    return [
        {
            "id": r.id,
            "at": local_datetime(r.at, tz, lang),
            "user": r.user,
            "action": label("audit.action", r.action, lang),
            "reg_no": r.target if REG_NO_RE.fullmatch(r.target) else "",
            "object": "" if REG_NO_RE.fullmatch(r.target) else object_text(r.target, lang),
            "detail": _detail_text(r.detail, lang, tz),
        }
        for r in rows
    ]


def verification_banner(state: ChainState, tz: ZoneInfo, lang: str) -> dbc.Alert:
    """The chain's state: sound up to an entry (anchored or not), or broken at one."""
    at = local_datetime(state.checked_at, tz, lang)

    def number(value: int | None) -> str:
        return number_text(value or 0, lang)

    if not state.ok:
        return dbc.Alert(
            [
                html.Strong(t("audit.broken", lang, entry=number(state.first_bad))),
                " ",
                t("audit.broken_hint", lang, at=at),
                html.Div(state.reason, className="small font-monospace mt-1"),
            ],
            color="danger",
            id=ids.AUDIT_STATE_TEXT,
            className="mb-2",
        )
    if state.verified_up_to is None:
        text, color = t("audit.empty_chain", lang, at=at), "secondary"
    else:
        text = t("audit.verified", lang, entry=number(state.verified_up_to), at=at)
        if not state.anchors_readable:
            text, color = f"{text} {t('audit.anchors_unreadable', lang)}", "warning"
        elif state.anchored_up_to is None:
            text, color = f"{text} {t('audit.no_anchors', lang)}", "warning"
        else:
            text = f"{text} {t('audit.anchored', lang, entry=number(state.anchored_up_to))}"
            color = "success"
    return dbc.Alert(text, color=color, id=ids.AUDIT_STATE_TEXT, className="mb-2")


def _text_filter(component_id: str, title: str, width: int, value: str | None) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(title, html_for=component_id, className="small mb-1"),
            dbc.Input(
                id=component_id,
                type="text",
                value=value,
                debounce=True,
                maxLength=120,
                size="sm",
            ),
        ],
        xs=12,
        sm=6,
        lg=width,
    )


def _date_filter(component_id: str, title: str, value: str | None, lang: str) -> dbc.Col:
    return dbc.Col(
        [
            dbc.Label(title, html_for=component_id, className="small mb-1"),
            html.Div(date_field(component_id, value, lang, clearable=True)),
        ],
        xs=6,
        lg=2,
    )


AUDIT_VIEW = ViewSpec(
    PATH, ("user", "reg_no", "action", "since", "until"), choices={"action": ACTIONS}
)


def audit_page(lang: str, view: Mapping[str, str | None] | None = None) -> html.Div:
    """Title, verification state, filters (as `view` has them: AUDIT_VIEW of the address) and
    the grid (filled by callbacks.audit)."""
    view = view or {}
    columns = [
        {"field": "at", "headerName": t("audit.col.at", lang), "width": 170},
        {"field": "user", "headerName": t("audit.col.user", lang), "width": 150},
        {"field": "action", "headerName": t("audit.col.action", lang), "width": 210},
        {
            "field": "reg_no",
            "headerName": t("col.reg_no", lang),
            "width": 290,
            "cellClass": "font-monospace kup-link kup-reg-no",
        },
        # (objects and details in words, wrapped between them rather than cut)
        {
            "field": "object",
            "headerName": t("audit.col.object", lang),
            "width": 230,
            "wrapText": True,
            "autoHeight": True,
        },
        {
            "field": "detail",
            "headerName": t("audit.col.detail", lang),
            "flex": 1,
            "minWidth": 200,
            "wrapText": True,
            "autoHeight": True,
        },
    ]
    return html.Div(
        [
            html.H1(t("audit.title", lang), className="h3"),
            html.Div(id=ids.AUDIT_STATE),
            dbc.Row(
                [
                    _text_filter(ids.AUDIT_USER, t("audit.filter.user", lang), 2, view.get("user")),
                    _text_filter(ids.AUDIT_REG_NO, t("col.reg_no", lang), 3, view.get("reg_no")),
                    filter_dropdown(
                        ids.AUDIT_ACTION,
                        t("audit.col.action", lang),
                        action_options(lang),
                        lang,
                        view.get("action"),
                        width=3,
                    ),
                    _date_filter(
                        ids.AUDIT_SINCE, t("audit.filter.since", lang), view.get("since"), lang
                    ),
                    _date_filter(
                        ids.AUDIT_UNTIL, t("audit.filter.until", lang), view.get("until"), lang
                    ),
                ],
                className="g-2 mb-2 align-items-end",
            ),
            loading(
                [
                    html.Div(id=ids.AUDIT_SUMMARY, className="small mb-1"),
                    dag.AgGrid(
                        id=ids.AUDIT_GRID,
                        rowData=[],
                        columnDefs=columns,
                        defaultColDef={"resizable": True, "sortable": False, "filter": False},
                        getRowId="params.data.id",
                        dashGridOptions={
                            "localeText": grid_locale(lang, "audit.none"),
                            "animateRows": False,
                        },
                        style={"height": "65vh"},
                        className="kup-grid",
                    ),
                ],
                lang,
            ),
        ]
    )
