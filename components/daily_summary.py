"""The daily summary («суточная сводка», `/summary`): its words and tables in the page's
language (`summary_text`, which the PDF renderer in console/reports shares), and the page:
a date, a region for those who see the country, the tables, and a PDF download."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.common import date_field, hidden_label, loading, region_options
from components.formatting import date_text, local_datetime, local_time, zone_text
from components.i18n import district_name, label, number_text, plural, region_name, t
from components.view_state import ViewSpec
from data.daily_summary import MEASURES, DailySummary
from rules.access import Viewer

PATH = "/summary"
PDF_PATH = "/summary.pdf"
COUNTRY = "country"  # the region choice standing for the whole country
END_OF_DAY = "24:00"
# The by-district table's columns (late registrations, overdue at the end: the duty room's
# questions); the totals table shows every measure.
DISTRICT_MEASURES = tuple(m for m in MEASURES if m != "became_overdue")


@dataclass(frozen=True)
class Table:
    """A table as text: its title, its header, its rows (numbers already written as the
    language writes them); `numeric`: how many last columns hold numbers; `total`: whether
    the last row is the total of the others."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: int
    total: bool = False


@dataclass(frozen=True)
class SummaryText:
    """Everything the page and the PDF say about one summary."""

    title: str
    scope: str
    period: str
    generated: str
    headline: str
    tables: tuple[Table, ...]  # totals, by category, by district, notable cases


def place_name(region: str | None, lang: str) -> str:
    """The summary's scope: a region's name, or the whole country."""
    return region_name(region, lang) if region else t("nav.scope_country", lang)


def pdf_href(day: date, region: str | None, lang: str) -> str:
    """The PDF route's URL of a summary."""
    query = {"date": day.isoformat(), "lang": lang, **({"region": region} if region else {})}
    return f"{PDF_PATH}?{urlencode(query)}"


def summary_text(summary: DailySummary, lang: str, tz: ZoneInfo, now: datetime) -> SummaryText:
    """The summary's words and tables in `lang` (times in `tz`, generated at `now`)."""

    def n(value: int) -> str:
        return number_text(value, lang)

    # The open and overdue cases are counted at 24:00, or at the summary's time for today.
    time = END_OF_DAY if summary.as_of == summary.end else local_time(summary.as_of, tz, lang)

    def measure(name: str) -> str:
        return t(f"daily.m.{name}", lang, time=time)

    totals = Table(
        t("daily.totals", lang),
        (t("daily.measure", lang), t("daily.count", lang)),
        tuple((measure(m), n(summary.total(m))) for m in MEASURES),
        1,
    )
    categories = Table(
        t("daily.by_category", lang),
        (t("col.category", lang), t("daily.m.registered", lang)),
        (
            *((label("category", c, lang), n(count)) for c, count in summary.by_category),
            (t("daily.total", lang), n(summary.total("registered"))),
        ),
        1,
        total=True,
    )
    country = summary.region is None
    place = (t("col.region", lang),) if country else ()
    districts = sorted(
        summary.by_district,
        key=lambda row: (region_name(row.region, lang), district_name(row.district, lang)),
    )
    by_district = Table(
        t("daily.by_district", lang),
        (*place, t("col.district", lang), *(measure(m) for m in DISTRICT_MEASURES)),
        (
            *(
                (
                    *((region_name(row.region, lang),) if country else ()),
                    district_name(row.district, lang),
                    *(n(getattr(row, m)) for m in DISTRICT_MEASURES),
                )
                for row in districts
            ),
            (
                *(("",) if country else ()),
                t("daily.total", lang),
                *(n(summary.total(m)) for m in DISTRICT_MEASURES),
            ),
        ),
        len(DISTRICT_MEASURES),
        total=True,
    )
    notable = Table(
        t("daily.notable", lang),
        (
            t("col.reg_no", lang),
            t("col.category", lang),
            t("col.district", lang),
            t("daily.reason", lang),
        ),
        tuple(
            (
                c.reg_no,
                label("category", c.category, lang),
                district_name(c.district, lang),
                t(f"daily.reason.{c.reason}", lang),
            )
            for c in summary.notable
        ),
        0,
    )
    return SummaryText(
        title=t("daily.title", lang),
        scope=place_name(summary.region, lang),
        period=t(
            "daily.period",
            lang,
            day=date_text(summary.day, lang),
            time=time,
            tz=zone_text(tz, lang),
        ),
        generated=t("daily.generated", lang, at=local_datetime(now, tz, lang)),
        headline=plural("daily.registered_total", summary.total("registered"), lang),
        tables=(totals, categories, by_district, notable),
    )


def table_view(table: Table, lang: str) -> html.Div:
    """One table of the summary, every row shown (the page prints as it is)."""
    first_number = len(table.header) - table.numeric

    def cell(tag: type[html.Td] | type[html.Th], value: str, i: int) -> html.Td | html.Th:
        # Numbers on one line, right-aligned; headers wrap between words (the grid fits 1366 px).
        nowrap = " text-nowrap" if tag is html.Td else ""
        return tag(value, className=f"text-end{nowrap}" if i >= first_number else None)

    def row(values: tuple[str, ...], last: bool) -> html.Tr:
        cells = [cell(html.Td, v, i) for i, v in enumerate(values)]
        return html.Tr(cells, className="fw-semibold" if last and table.total else None)

    body = (
        html.Tbody([row(r, i == len(table.rows) - 1) for i, r in enumerate(table.rows)])
        if table.rows
        else html.Tbody(html.Tr(html.Td(t("daily.notable_none", lang), colSpan=len(table.header))))
    )
    return html.Div(
        [
            html.H2(table.title, className="h5 mt-3"),
            dbc.Table(
                [
                    html.Thead(html.Tr([cell(html.Th, h, i) for i, h in enumerate(table.header)])),
                    body,
                ],
                bordered=True,
                hover=True,
                size="sm",
                className="kup-daily-table",
            ),
        ],
        className="kup-daily-section",
    )


def summary_view(text: SummaryText, lang: str) -> html.Div:
    """The summary's body: scope, period and headline, then its tables."""
    return html.Div(
        [
            html.P(
                [html.Strong(f"{text.scope}, {text.period}"), html.Br(), text.generated],
                className="mb-1",
            ),
            html.P(text.headline, className="lead mb-2", id=ids.DAILY_HEADLINE),
            dbc.Row(
                [
                    dbc.Col(table_view(text.tables[0], lang), lg=5),
                    dbc.Col(table_view(text.tables[1], lang), lg=7),
                ]
            ),
            *(table_view(table, lang) for table in text.tables[2:]),
        ]
    )


DAILY_VIEW = ViewSpec(PATH, ("date", "region"), country=COUNTRY)


def daily_page(viewer: Viewer, lang: str, today: date, search: str | None = None) -> html.Div:
    """The page's skeleton: the date (today by default), the region (for those who see the
    country), as the address's `search` has them (DAILY_VIEW), the download button and the
    summary's slot (its callback fills it)."""
    view = DAILY_VIEW.read(search, viewer, today)
    # Those with a region of their own see it named (and no other to choose).
    country = [] if viewer.region else [{"label": t("nav.scope_country", lang), "value": COUNTRY}]
    region_choice = dbc.Col(
        [
            hidden_label(t("daily.region", lang), ids.DAILY_REGION),
            dbc.Select(
                id=ids.DAILY_REGION,
                options=country + region_options(viewer.region, lang),
                value=view["region"],
                disabled=viewer.region is not None,
                size="sm",
            ),
        ],
        width="auto",
    )
    return html.Div(
        [
            html.Div(id=ids.DAILY_PRINT_HEADER),
            dbc.Row(
                [
                    dbc.Col(html.H1(t("daily.title", lang), className="h3 mb-0"), width="auto"),
                    dbc.Col(
                        [
                            hidden_label(t("daily.date", lang), ids.DAILY_DATE),
                            date_field(ids.DAILY_DATE, view["date"], lang, today.isoformat()),
                        ],
                        width="auto",
                    ),
                    region_choice,
                    dbc.Col(
                        html.A(
                            t("daily.download", lang),
                            id=ids.DAILY_PDF,
                            href=pdf_href(today, viewer.region, lang),
                            className="btn btn-primary btn-sm text-nowrap",
                            download="summary.pdf",
                        ),
                        width="auto",
                        className="ms-auto",
                    ),
                ],
                className="align-items-center g-3 mb-3 kup-daily-controls",
            ),
            dbc.Alert(id=ids.DAILY_ALERT, color="warning", is_open=False),
            loading(html.Div(id=ids.DAILY_BODY), lang),
        ],
        className="kup-daily",
    )
