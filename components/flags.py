"""A flag's history as the case page and the overdue page's flag panel show it: who said what,
when (the opening comment, the comments added by later flaggings, the clearing comment)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from dash import html

from components.formatting import local_datetime
from components.i18n import t
from data.flags import FlagNote


def flag_history(notes: Sequence[FlagNote], lang: str, tz: ZoneInfo) -> html.Ol:
    """The notes, oldest first: "who, when · what they did" above the comment (as text)."""
    return html.Ol(
        [
            html.Li(
                [
                    html.Div(
                        [
                            html.Span(
                                t(
                                    "flag.by",
                                    lang,
                                    by=note.by,
                                    at=local_datetime(note.at, tz, lang),
                                ),
                                className="fw-semibold",
                            ),
                            html.Span(
                                f" · {t(f'flag.note.{note.kind}', lang)}",
                                className="small text-body-secondary",
                            ),
                        ]
                    ),
                    html.Div(note.comment, className="text-break kup-summary"),
                ],
                className=f"kup-flag-note kup-flag-note-{note.kind} mb-1",
            )
            for note in notes
        ],
        className="kup-flag-history list-unstyled mb-0 mt-1",
    )
