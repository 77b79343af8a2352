"""The case page's record of deadline breaches: each span the case spent overdue (from, until
or "going on", how long, what ended it) and their total (data.case_record.BreachEntry)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import html

from components import ids
from components.common import card, empty_state
from components.formatting import local_datetime
from components.i18n import duration_text, label, t
from data.case_record import BreachEntry


def breaches_card(breaches: Sequence[BreachEntry], lang: str, tz: ZoneInfo) -> dbc.Card:
    """A titled card: the breaches' table and total, or a line saying there were none."""
    if not breaches:
        body: html.Div | dbc.Table = empty_state(t("breach.none", lang), ids.CASE_BREACHES)
    else:
        total = sum(b.seconds for b in breaches)
        body = html.Div(
            [
                html.P(
                    f"{t('breach.total', lang)}: {duration_text(timedelta(seconds=total), lang)}",
                    className="fw-semibold text-danger-emphasis mb-2",
                ),
                _table(breaches, lang, tz),
            ],
            id=ids.CASE_BREACHES,
        )
    return card(t("breach.title", lang), body, class_name="mb-3")


def _table(breaches: Sequence[BreachEntry], lang: str, tz: ZoneInfo) -> dbc.Table:
    head = ("breach.start", "breach.end", "breach.length", "breach.ended_by")
    return dbc.Table(
        [
            html.Thead(html.Tr([html.Th(t(key, lang)) for key in head])),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(local_datetime(b.start, tz, lang)),
                            html.Td(
                                local_datetime(b.end, tz, lang)
                                if b.end
                                else html.Em(t("breach.ongoing", lang))
                            ),
                            html.Td(duration_text(timedelta(seconds=b.seconds), lang)),
                            html.Td(label("breach.ended_by", b.ended_by, lang)),
                        ]
                    )
                    for b in breaches
                ]
            ),
        ],
        size="sm",
        striped=True,
        className="mb-0",
    )
