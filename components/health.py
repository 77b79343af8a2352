"""The data-health alert under the navbar: stale data (ingest behind) and gaps in the stream,
said in the page's language from the codes and numbers of data.ingest_state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from dash import html

from components.formatting import local_datetime
from components.i18n import number_text, t


def health_messages(
    freshness: Mapping[str, object] | None,
    gaps: Sequence[Mapping[str, object]],
    lang: str,
    tz: ZoneInfo,
) -> list[str]:
    """Sentences for what is wrong with the data shown, in `lang` (empty when all is well).
    `freshness` and `gaps` are IngestFreshness.as_dict() and StreamGap.as_dict() forms."""
    messages = [
        t(
            f"health.gap.{gap.get('kind')}",
            lang,
            lost=lost_count(gap, lang),
            since=local_datetime(_text(gap.get("since")), tz, lang) or t("health.unknown", lang),
        )
        for gap in gaps
    ]
    if freshness and freshness.get("stale") and freshness.get("stale_since"):
        behind = float(str(freshness.get("behind_s") or 0))
        messages.append(
            t(
                "health.stale",
                lang,
                lag=freshness.get("lag", "?"),
                since=local_datetime(_text(freshness["stale_since"]), tz, lang),
                minutes=int(behind // 60),
            )
        )
    return messages


def lost_count(gap: Mapping[str, object], lang: str) -> str:
    """How many entries a gap lost, in words: "15", "at least 3" or "unknown"."""
    count = gap.get("count")
    if count is None:
        return t("health.unknown", lang)
    if gap.get("count_exact"):
        return number_text(count, lang) if isinstance(count, int) else str(count)
    return t("health.at_least", lang, count=count)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def health_alert_children(messages: list[str]) -> list[html.Div]:
    """One line per message (text, never markup)."""
    return [html.Div(message) for message in messages]
