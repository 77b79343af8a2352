"""The dead-letter page's grid: admins only, checked on the server."""

from __future__ import annotations

from dash import Dash, Input, Output, State

from callbacks import inputs
from callbacks.context import Context, request_context
from components import ids
from components.deadletters import SHOWN, dead_letter_rows
from components.i18n import t
from data.deadletters import count_dead_letters, list_dead_letters


def load_dead_letters(ctx: Context, lang: object) -> tuple[str, list[dict[str, object]]]:
    """(counts line, rows) for an admin; refuses anyone else."""
    lang = inputs.language(lang)
    if not ctx.viewer.is_admin:
        return t("dead.forbidden", lang), []
    with ctx.sessions() as session:
        total, waiting = count_dead_letters(session)
        views = list_dead_letters(session, SHOWN)
    summary = t("dead.summary", lang, total=total, waiting=waiting, shown=len(views))
    return summary, dead_letter_rows(views, ctx.tz, lang)


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.DEAD_SUMMARY, "children"),
        Output(ids.DEAD_GRID, "rowData"),
        Input(ids.DEAD_GRID, "id"),
        Input(ids.SOCKET, "data-changes"),
        State(ids.LANG, "data"),
    )
    def update_dead_letters(
        _: object, __: object, lang: object
    ) -> tuple[str, list[dict[str, object]]]:
        return load_dead_letters(request_context(), lang)
