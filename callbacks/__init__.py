"""Dash callbacks, registered per feature on the app the factory builds (never globally)."""

from __future__ import annotations

from dash import Dash


def register(app: Dash) -> None:
    """Register every page's callbacks on `app`."""
    from callbacks import (
        audit,
        case,
        daily_summary,
        deadletters,
        health,
        integrity,
        live,
        overdue,
        search,
        shell,
        wall,
        workload,
    )

    for feature in (
        shell,
        health,
        live,
        overdue,
        workload,
        case,
        deadletters,
        search,
        wall,
        daily_summary,
        integrity,
        audit,
    ):
        feature.register(app)
