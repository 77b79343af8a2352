"""Callbacks of printing: a page's print-only header (components.printing), filled as the page
opens with the viewer's name and the time (kup-print.js sets the moment of printing)."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, html

from callbacks import inputs
from callbacks.context import Context, request_context
from components import ids
from components.printing import print_header


def printed_by(context: Context, lang: Any) -> html.Div:
    """The print-only header: the viewer who prints the page, and when."""
    return print_header(context.viewer.username, inputs.language(lang), context.tz, context.now)


def register_slot(app: Dash, slot: str) -> None:
    """Fill the print-only header slot `slot` (a component id) of a page as the page opens."""

    @app.callback(
        Output(slot, "children"),
        Input(slot, "id"),  # (once, as the page opens)
        State(ids.LANG, "data"),
    )
    def fill_print_header(_slot: Any, lang: Any) -> html.Div:
        return printed_by(request_context(), lang)
