"""The daily summary page's callback: the summary of the chosen day and region (the viewer's
own region enforced), and the PDF link of the same."""

from __future__ import annotations

from datetime import date

from dash import Dash, Input, Output, State, html

from callbacks import inputs, printing
from callbacks.context import Context, request_context
from callbacks.view_url import register_view
from components import ids
from components.daily_summary import COUNTRY, DAILY_VIEW, pdf_href, summary_text, summary_view
from components.i18n import t
from data.daily_summary import daily_summary, summary_scope
from rules.clock import local_date

Shown = tuple[html.Div | None, str, bool, str]


def parse_day(value: object) -> date | None:
    """A date typed as YYYY-MM-DD (None when it is not one)."""
    typed = inputs.text(value)
    try:
        return date.fromisoformat(typed) if typed and len(typed) == 10 else None
    except ValueError:
        return None


def load_summary(ctx: Context, day_value: object, region_value: object, lang: object) -> Shown:
    """(the summary's body, alert text, alert shown, PDF link) for the chosen day and region."""
    lang = inputs.language(lang)
    today = local_date(ctx.now, ctx.tz)
    day = parse_day(day_value)
    try:
        chosen = inputs.text(region_value)
        region = summary_scope(ctx.viewer, None if chosen == COUNTRY else chosen)
    except (LookupError, PermissionError):
        return None, t("daily.forbidden", lang), True, pdf_href(today, ctx.viewer.region, lang)
    if day is None:
        return None, t("daily.bad_date", lang), True, pdf_href(today, region, lang)
    with ctx.sessions() as session:
        summary = daily_summary(session, day, ctx.tz, region, ctx.now)
    text = summary_text(summary, lang, ctx.tz, ctx.now)
    return summary_view(text, lang), "", False, pdf_href(day, region, lang)


def register(app: Dash) -> None:
    register_view(app, DAILY_VIEW, [(ids.DAILY_DATE, "date"), (ids.DAILY_REGION, "value")])

    @app.callback(
        Output(ids.DAILY_BODY, "children"),
        Output(ids.DAILY_ALERT, "children"),
        Output(ids.DAILY_ALERT, "is_open"),
        Output(ids.DAILY_PDF, "href"),
        Input(ids.DAILY_DATE, "date"),
        Input(ids.DAILY_REGION, "value"),
        State(ids.LANG, "data"),
    )
    def update_daily_summary(day: object, region: object, lang: object) -> Shown:
        return load_summary(request_context(), day, region, lang)

    printing.register_slot(app, ids.DAILY_PRINT_HEADER)
