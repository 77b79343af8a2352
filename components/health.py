"""The data-health alert under the navbar: stale data (ingest behind) and gaps in the stream."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import html

from components.formatting import local_datetime
from components.i18n import t


def health_messages(
    freshness: dict[str, object] | None, gaps: list[dict[str, object]], lang: str, tz: ZoneInfo
) -> list[str]:
    """Sentences for what is wrong with the data shown, in `lang` (empty when all is well)."""
    messages = [
        t(
            "health.gap",
            lang,
            lost=_lost(gap, lang),
            since=local_datetime(gap.get("since"), tz) or t("health.unknown", lang),
        )
        for gap in gaps
    ]
    if freshness and freshness.get("stale") and freshness.get("stale_since"):
        behind = float(freshness.get("behind_s") or 0)
        messages.append(
            t(
                "health.stale",
                lang,
                lag=freshness.get("lag", "?"),
                since=local_datetime(freshness["stale_since"], tz),
                minutes=int(behind // 60),
            )
        )
    return messages


def _lost(gap: dict[str, object], lang: str) -> str:
    text = str(gap.get("lost_text") or "")
    return t("health.unknown", lang) if text in ("", "unknown") else text


def health_alert_children(messages: list[str]) -> list[html.Div]:
    """One line per message (text, never markup)."""
    return [html.Div(message) for message in messages]
