"""What a printed page carries that the screen does not: a header saying who printed it and
when. Hidden on screen; components/assets/kup-print.js writes the moment of printing into it
(in the console's time zone, as the page's language writes it), and kup.css's print styles
leave out the navbar, menus, buttons and forms. A page has an empty slot where the header goes
(filled by callbacks.printing as it opens: the viewer and the time are the server's to say)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from components.formatting import intl_locales, local_datetime
from components.i18n import t

PRINT_HEADER_CLASS = "kup-print-header"
_AT = "\x00"  # where the time goes in the sentence


def print_header(username: str, lang: str, tz: ZoneInfo, now: datetime) -> html.Div:
    """The print-only header: the console's name, and "printed <time> by <user>" (the time of
    rendering until the page is printed)."""
    before, _, after = t("print.by", lang, at=_AT, user=username).partition(_AT)
    clock: dict[str, Any] = {"data-tz": tz.key, "data-locales": ",".join(intl_locales(lang))}
    return html.Div(
        [
            html.Div(t("app.title", lang), className="fw-semibold"),
            html.Div(
                [
                    before,
                    html.Span(local_datetime(now, tz, lang), className="kup-print-time", **clock),
                    after,
                ]
            ),
        ],
        className=f"{PRINT_HEADER_CLASS} d-none d-print-flex",
    )
