"""Small layout pieces shared by the pages: filter options, status badges, empty and loading
states. Pure functions of plain data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component, ComponentType

from components.formatting import picker_format
from components.i18n import chart_locale, district_name, label, normalize_lang, region_name, t
from data.reference import load_geography
from rules.contract import CATEGORIES, KINDS

# Bootstrap colour and a symbol per status: the text says it, the colour only repeats it.
STATUS_STYLE = {
    "overdue": ("danger", "⚠"),
    "due_soon": ("warning", "⏳"),
    "open": ("primary", "●"),
    "decided": ("success", "✓"),
}
ALL = ""  # the "all" choice of a filter dropdown
# A page's one timer: a slow safety net under the pushes (console/web/push.py), which bring
# every change; it catches only what time alone changes (e.g. the last day's intake).
SAFETY_REFRESH_MS = 300_000
# A symbol that only repeats words said beside it (Dash passes aria-* attributes through).
_AriaHidden = TypedDict("_AriaHidden", {"aria-hidden": str})
HIDDEN_FROM_READERS: _AriaHidden = {"aria-hidden": "true"}


class _OptionalId(TypedDict, total=False):
    """A component's `id`, given only when there is one (Dash refuses `id=None`)."""

    id: str


def region_options(scope_region: str | None, lang: str) -> list[dict[str, str]]:
    """Regions the viewer may filter by (only their own when they have one), by name."""
    codes = [scope_region] if scope_region else list(load_geography().regions)
    return sorted(
        ({"label": region_name(c, lang), "value": c} for c in codes), key=lambda o: o["label"]
    )


def district_options(
    region: str | None, scope_region: str | None, lang: str
) -> list[dict[str, str]]:
    """Districts within the viewer's scope (and the chosen region), by name."""
    districts = load_geography().districts.values()
    chosen = [
        d
        for d in districts
        if (not scope_region or d.region == scope_region) and (not region or d.region == region)
    ]
    return sorted(
        ({"label": district_name(d.soate, lang), "value": d.soate} for d in chosen),
        key=lambda o: o["label"],
    )


def graph_config(lang: str, base: dcc.Graph.Config) -> dcc.Graph.Config:
    """A chart's Plotly config: `base` with Plotly's own words (the mode bar's) in `lang`."""
    lang = normalize_lang(lang)
    config: dcc.Graph.Config = {**base}
    config["locale"] = lang
    config["locales"] = {lang: chart_locale(lang)}
    return config


def category_options(lang: str) -> list[dict[str, str]]:
    return [{"label": label("category", c, lang), "value": c} for c in CATEGORIES]


def kind_options(lang: str) -> list[dict[str, str]]:
    return [{"label": label("kind", k, lang), "value": k} for k in KINDS]


def dropdown_labels(lang: str) -> dcc.Dropdown.Labels:
    """The words of a dcc.Dropdown's own (search box, clear button, empty list) in `lang`;
    "{num_selected}" stays for Dash to fill in."""
    count = "{num_selected}"
    return {
        "search": t("dropdown.search", lang),
        "clear_search": t("dropdown.clear_search", lang),
        "clear_selection": t("dropdown.clear_selection", lang),
        "no_options_found": t("dropdown.no_options", lang),
        "select_all": t("dropdown.select_all", lang),
        "deselect_all": t("dropdown.deselect_all", lang),
        "selected_count": t("dropdown.selected_count", lang, num_selected=count),
    }


def filter_dropdown(
    component_id: str,
    title: str,
    options: Sequence[dict[str, str]],
    lang: str,
    value: str | None = None,
    width: int = 3,
) -> dbc.Col:
    """A labelled, clearable single-choice dropdown (empty = all)."""
    return dbc.Col(
        [
            dbc.Label(title, html_for=component_id, className="small mb-1"),
            dcc.Dropdown(
                id=component_id,
                options=list(options),
                value=value,
                clearable=True,
                placeholder=t("filter.all", lang),
                labels=dropdown_labels(lang),
                className="kup-dropdown",
            ),
        ],
        xs=12,
        sm=6,
        lg=width,
    )


def hidden_label(text: str, component_id: str) -> dbc.Label:
    """The name of a control whose purpose its place shows to the eye (a select in a card's
    header, the navbar's language): read by screen readers, not shown."""
    return dbc.Label(text, html_for=component_id, class_name="visually-hidden")


def date_field(
    component_id: str,
    value: str | None,
    lang: str,
    latest: str | None = None,
    clearable: bool = False,
) -> dcc.DatePickerSingle:
    """A date chosen on a calendar and shown as the pages write dates ("04.11.2026" in Russian
    and Kyrgyz), whatever the browser's own language (a native date input follows that, not
    the page's: "11/04/2026" in an English Chromium); its `date` is "YYYY-MM-DD". In Russian
    and Kyrgyz the calendar starts on Monday and names its month by number, so that no English
    word is shown (the picker knows no other language's month or weekday names; kup-dates.css
    gives the weekdays'); up to `latest`; `clearable`: with a button to empty it."""
    return dcc.DatePickerSingle(
        id=component_id,
        date=value,
        display_format=picker_format(lang),
        month_format="MM.YYYY" if normalize_lang(lang) != "en" else "MMMM YYYY",
        first_day_of_week=0 if normalize_lang(lang) == "en" else 1,
        placeholder=t("date.placeholder", lang),
        max_date_allowed=latest,
        clearable=clearable,
        className=f"kup-date kup-date-{normalize_lang(lang)}",
    )


def export_buttons(xlsx_id: str, csv_id: str, lang: str) -> dbc.ButtonGroup:
    """The page's export: an Excel workbook, or CSV for Excel."""

    def button(key: str, component_id: str) -> dbc.Button:
        return dbc.Button(t(key, lang), id=component_id, color="secondary", outline=True, size="sm")

    return dbc.ButtonGroup(
        [button("export.xlsx", xlsx_id), button("export.csv", csv_id)],
        size="sm",
        className="text-nowrap",
    )


def page_header(
    title: str,
    export_ids: tuple[str, str],
    lang: str,
    *extra: ComponentType,
    spacing: str = "mb-3",
) -> dbc.Row:
    """A page's title row: the title, anything `extra` beside it, and the export buttons
    (`export_ids`: the workbook's and the CSV's)."""
    return dbc.Row(
        [
            dbc.Col(html.H1(title, className="h3 mb-0"), width="auto"),
            *(dbc.Col(item, width="auto") for item in extra),
            dbc.Col(export_buttons(*export_ids, lang), width="auto", className="ms-auto"),
        ],
        className=f"align-items-center g-3 {spacing}",
    )


def status_badge(status: str, lang: str) -> dbc.Badge:
    """A status as coloured badge with its name and a symbol (never colour alone)."""
    color, symbol = STATUS_STYLE.get(status, ("secondary", "•"))
    return dbc.Badge(
        f"{symbol} {label('status', status, lang)}",
        color=color,
        text_color="dark" if color == "warning" else None,
        className=f"kup-status kup-status-{status}",
    )


def empty_state(text: str, component_id: str | None = None) -> html.Div:
    """What a list shows when it has nothing: a sentence, not a blank space."""
    props: _OptionalId = {"id": component_id} if component_id else {}
    return html.Div(text, className="text-body-secondary fst-italic py-4 text-center", **props)


def forbidden(key: str, lang: str, component_id: str | None = None) -> html.Div:
    """What a page shows a viewer whose role may not read it: the sentence of `key`."""
    props: _OptionalId = {"id": component_id} if component_id else {}
    return html.Div(t(key, lang), className="py-5 text-center", **props)


def loading(child: ComponentType, lang: str, component_id: str | None = None) -> dcc.Loading:
    """A dcc.Loading that says what it is doing while its child is being fetched."""
    props: _OptionalId = {"id": component_id} if component_id else {}
    return dcc.Loading(
        child,
        type="default",
        delay_show=250,
        custom_spinner=html.Div(
            [dbc.Spinner(size="sm"), html.Span(t("loading", lang), className="ms-2")],
            className="d-flex align-items-center py-3",
        ),
        **props,
    )


def card(
    title: str,
    body: ComponentType,
    *,
    header_extra: Component | None = None,
    class_name: str = "",
) -> dbc.Card:
    """A titled card."""
    header: list[Component] = [html.Span(title, className="fw-semibold")]
    if header_extra is not None:
        header.append(html.Div(header_extra, className="ms-auto"))
    return dbc.Card(
        [dbc.CardHeader(header, className="d-flex align-items-center gap-2"), dbc.CardBody(body)],
        className=f"shadow-sm {class_name}".strip(),
    )
