"""The integrity signals' page (`/integrity`): per district, unit or officer, each signal's
share with its 95 % interval beside the reference rate, marked cells where the interval lies
wholly above it, the intake per 10,000 residents and its drop (districts), the cases behind a
number, and the table as an export. Rows arrive from data.integrity.report (codes and
numbers); here they are put in words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from babel.numbers import format_decimal
from dash import dcc, html

from components import ids
from components.common import card, hidden_label, loading, page_header, region_options
from components.export import Cell, Table
from components.i18n import district_name, grid_locale, locale, number_text, region_name, t
from components.overdue import CASE_COLUMN_DEFAULTS, GRID_CLASS, fitted_column
from components.view_state import ViewSpec
from components.workload import unit_label
from data.reference import load_geography
from rules.access import Viewer
from rules.integrity import GROUPS, SIGNALS

PATH = "/integrity"
WINDOWS = (7, 30, 90, 365)
DEFAULT_WINDOW = 30
MARK = "▲"  # beside a marked number (not colour alone)
CASES_COLUMN = "cases"
DROP = "intake_drop"
COUNTRY = "all"  # the region control's value for the whole country


def percent(share: float, lang: str) -> str:
    """A share as a percentage with one decimal, no sign ("12,3")."""
    return format_decimal(share * 100, format="#,##0.0", locale=locale(lang))


def share_text(row: Mapping[str, Any], name: str, lang: str) -> str:
    """ "count · 12,3 % (9,1–16,0)": a signal's count, share and 95 % interval."""
    low, high = row[f"{name}_ci"]
    mark = f"{MARK} " if name in row["marked"] else ""
    return (
        f"{mark}{number_text(row[name], lang)} · {percent(row[f'{name}_share'], lang)} % "
        f"({percent(low, lang)}–{percent(high, lang)})"
    )


def rate_text(value: float, lang: str) -> str:
    return format_decimal(value, format="#,##0.0", locale=locale(lang))


def drop_text(drop: Mapping[str, Any], lang: str) -> str:
    """The intake detector's finding: the last days' registrations, those expected from the
    baseline, and the p-value."""
    mark = f"{MARK} " if drop["marked"] else ""
    return t(
        "integrity.drop_value",
        lang,
        mark=mark,
        recent=drop["recent"],
        expected=rate_text(drop["expected"], lang),
        p=p_text(drop["p_value"], lang),
    )


def p_text(p: float, lang: str) -> str:
    """A p-value as people read it: three decimals, "<0,001" below that."""
    if p < 0.001:
        return "<" + format_decimal(0.001, format="0.000", locale=locale(lang))
    return format_decimal(p, format="0.000", locale=locale(lang))


def row_name(key: str, group: str, lang: str) -> str:
    if group == "district":
        return district_name(key, lang)
    return unit_label(key, lang)


def grid_rows(rows: Sequence[Mapping[str, Any]], group: str, lang: str) -> list[dict[str, Any]]:
    """The grid's rows: the key and its name, the cases, and per signal the interval's lower
    bound (what the column sorts by), the text shown and whether it is marked; districts add
    their region, intake per 10,000 and the drop. In the report's order (marked first)."""
    geo = load_geography()
    result = []
    for row in rows:
        item: dict[str, Any] = {
            "key": row["key"],
            "name": row_name(row["key"], group, lang),
            "row_marked": bool(row["marked"]),
            CASES_COLUMN: row["cases"],
            f"{CASES_COLUMN}_shown": number_text(row["cases"], lang),
        }
        for name in SIGNALS:
            item[name] = row[f"{name}_ci"][0]
            item[f"{name}_shown"] = share_text(row, name, lang)
            item[f"{name}_marked"] = name in row["marked"]
        if group == "district":
            district = geo.districts.get(row["key"])
            item["region"] = region_name(district.region, lang) if district else ""
            item["per_10k"] = row["per_10k"]
            item["per_10k_shown"] = rate_text(row["per_10k"], lang)
            item[DROP] = row[DROP]["p_value"]
            item[f"{DROP}_shown"] = drop_text(row[DROP], lang)
            item[f"{DROP}_marked"] = bool(row[DROP]["marked"])
        result.append(item)
    return result


def references(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """The reference rate of each signal (and of the intake per 10,000), the same in every
    row; zeros without rows."""
    first = rows[0] if rows else {}
    found = {name: float(first.get(f"{name}_reference", 0.0)) for name in SIGNALS}
    found["per_10k"] = float(first.get("per_10k_reference", 0.0))
    return found


def columns(group: str, refs: Mapping[str, float], lang: str) -> list[dict[str, Any]]:
    """The grid's columns: the name, the cases, each signal (its header naming the reference
    rate) sortable by its interval's lower bound; districts add the region, the intake per
    10,000 beside its reference and the drop (sortable by its p-value)."""

    def shown(
        field: str, header: str, least: int, natural: int, link: bool = True
    ) -> dict[str, Any]:
        column = {
            **fitted_column(field, header, least, natural),
            "valueFormatter": {"function": f"params.data.{field}_shown"},
        }
        return {**column, "cellClass": "kup-link"} if link else column

    first: list[dict[str, Any]] = [
        {
            **fitted_column("name", t(f"integrity.group.{group}", lang), 150),
            "pinned": "left",
            "cellClassRules": {"kup-integrity-row-marked": "params.data.row_marked"},
        }
    ]
    if group == "district":
        first.append(fitted_column("region", t("col.region", lang), 100, 100))
    signal_columns = [
        {
            **shown(
                name,
                t(
                    "integrity.header",
                    lang,
                    signal=t(f"integrity.signal.{name}", lang),
                    reference=percent(refs.get(name, 0.0), lang),
                ),
                118,
                130,
            ),
            "cellClassRules": {"kup-integrity-marked": f"params.data.{name}_marked"},
        }
        for name in SIGNALS
    ]
    extra: list[dict[str, Any]] = []
    if group == "district":
        extra = [
            {
                **fitted_column(
                    "per_10k",
                    t("integrity.per_10k", lang, reference=rate_text(refs["per_10k"], lang)),
                    96,
                    100,
                ),
                "valueFormatter": {"function": "params.data.per_10k_shown"},
            },
            {
                **shown(DROP, t("integrity.drop", lang), 120, 130, link=False),
                "cellClassRules": {"kup-integrity-marked": f"params.data.{DROP}_marked"},
            },
        ]
    return [
        *first,
        {**shown(CASES_COLUMN, t("integrity.cases", lang), 112, 100), "type": "numericColumn"},
        *signal_columns,
        *extra,
    ]


def grid_options(lang: str) -> dict[str, Any]:
    return {
        "domLayout": "autoHeight",
        "animateRows": False,
        "suppressColumnVirtualisation": True,
        "suppressCellFocus": True,
        "localeText": grid_locale(lang, "integrity.empty"),
    }


def window_options(lang: str) -> list[dict[str, Any]]:
    return [{"label": t("integrity.window_days", lang, days=d), "value": str(d)} for d in WINDOWS]


INTEGRITY_VIEW = ViewSpec(
    PATH,
    ("group", "window", "region"),
    choices={"group": GROUPS, "window": tuple(str(w) for w in WINDOWS)},
    defaults={"group": "district", "window": str(DEFAULT_WINDOW)},
    country=COUNTRY,
)


def integrity_page(viewer: Viewer, lang: str, search: str | None = None) -> html.Div:
    """The page's skeleton: the controls (group, window, region for a national viewer; as the
    address's `search` has them: INTEGRITY_VIEW), the note on the statistics, the grid, the
    drill-down's card."""
    regional = viewer.region is not None
    view = INTEGRITY_VIEW.read(search, viewer)
    region_choices = [{"label": t("nav.scope_country", lang), "value": COUNTRY}] + region_options(
        viewer.region, lang
    )
    controls = dbc.Row(
        [
            dbc.Col(
                [
                    hidden_label(t("integrity.group", lang), ids.INTEGRITY_GROUP),
                    dbc.Select(
                        id=ids.INTEGRITY_GROUP,
                        value=view["group"],
                        options=[
                            {"label": t(f"integrity.by.{g}", lang), "value": g} for g in GROUPS
                        ],
                    ),
                ],
                width="auto",
            ),
            dbc.Col(
                [
                    hidden_label(t("integrity.window", lang), ids.INTEGRITY_WINDOW),
                    dbc.Select(
                        id=ids.INTEGRITY_WINDOW,
                        value=view["window"],
                        options=window_options(lang),
                    ),
                ],
                width="auto",
            ),
            dbc.Col(
                [
                    hidden_label(t("col.region", lang), ids.INTEGRITY_REGION),
                    dbc.Select(
                        id=ids.INTEGRITY_REGION,
                        value=view["region"],
                        options=region_choices[1:] if regional else region_choices,
                        disabled=regional,
                    ),
                ],
                width="auto",
            ),
        ],
        className="g-2 mb-2",
    )
    grid = dag.AgGrid(
        id=ids.INTEGRITY_GRID,
        rowData=[],
        columnDefs=columns("district", references([]), lang),
        defaultColDef={**CASE_COLUMN_DEFAULTS, "filter": False},  # (texts of numbers)
        getRowId="params.data.key",
        dashGridOptions=grid_options(lang),
        style={"width": "100%"},
        className=GRID_CLASS,
    )
    return html.Div(
        [
            dcc.Download(id=ids.INTEGRITY_DOWNLOAD),
            page_header(
                t("integrity.title", lang),
                (ids.INTEGRITY_EXPORT, ids.INTEGRITY_EXPORT_CSV),
                lang,
                spacing="mb-2",
            ),
            controls,
            html.P(t("integrity.note", lang), className="small text-body-secondary mb-2"),
            card(
                t("integrity.table", lang),
                loading([html.Div(id=ids.INTEGRITY_SUMMARY, className="small mb-1"), grid], lang),
                class_name="mb-3",
            ),
            html.Div(id=ids.INTEGRITY_CASES),
        ]
    )


def summary(rows: Sequence[Mapping[str, Any]], region: str | None, lang: str) -> str:
    """The line above the grid: how many rows are marked, against whose rates."""
    marked = sum(1 for row in rows if row["marked"])
    place = region_name(region, lang) if region else t("nav.scope_country", lang)
    return t("integrity.summary", lang, marked=marked, rows=len(rows), place=place)


def case_list(title: str, reg_nos: Sequence[str], lang: str) -> dbc.Card:
    """The cases behind a number: a link to each case's page."""
    body: Any = (
        html.Ul(
            [html.Li(dcc.Link(r, href=f"/cases/{r}", className="font-monospace")) for r in reg_nos],
            className="kup-integrity-cases mb-0",
        )
        if reg_nos
        else html.Div(t("integrity.no_cases", lang), className="fst-italic")
    )
    return card(t("integrity.cases_of", lang, what=title, count=len(reg_nos)), body)


def signal_name(signal: str | None, lang: str) -> str:
    """A drill-down's column as words (every case of the row for None)."""
    return t(f"integrity.signal.{signal}", lang) if signal else t("integrity.cases", lang)


def export_table(rows: Sequence[Mapping[str, Any]], group: str, lang: str) -> Table:
    """The table as an export: per row its name and cases, per signal its count, share,
    interval and reference (percentages with one decimal, as text) and whether marked;
    districts add the intake per 10,000 and the drop's figures."""
    yes, no = t("yes", lang), t("no", lang)
    headers = [t(f"integrity.group.{group}", lang), t("integrity.cases", lang)]
    for name in SIGNALS:
        signal = t(f"integrity.signal.{name}", lang)
        headers += [
            signal,
            f"{signal}: %",
            f"{signal}: {t('integrity.ci_low', lang)}",
            f"{signal}: {t('integrity.ci_high', lang)}",
            f"{signal}: {t('integrity.reference', lang)}",
            f"{signal}: {t('integrity.marked', lang)}",
        ]
    if group == "district":
        headers += [
            t("integrity.per_10k_plain", lang),
            f"{t('integrity.per_10k_plain', lang)}: {t('integrity.reference', lang)}",
            t("integrity.recent", lang),
            t("integrity.expected", lang),
            "p",
            f"{t('integrity.drop', lang)}: {t('integrity.marked', lang)}",
        ]

    def cells(row: Mapping[str, Any]) -> list[Cell]:
        found: list[Cell] = [row_name(row["key"], group, lang), row["cases"]]
        for name in SIGNALS:
            low, high = row[f"{name}_ci"]
            found += [
                row[name],
                percent(row[f"{name}_share"], lang),
                percent(low, lang),
                percent(high, lang),
                percent(row[f"{name}_reference"], lang),
                yes if name in row["marked"] else no,
            ]
        if group == "district":
            drop = row[DROP]
            found += [
                rate_text(row["per_10k"], lang),
                rate_text(row["per_10k_reference"], lang),
                drop["recent"],
                rate_text(drop["expected"], lang),
                format_decimal(drop["p_value"], format="0.000000", locale=locale(lang)),
                yes if drop["marked"] else no,
            ]
        return found

    return Table(headers, [cells(row) for row in rows])
