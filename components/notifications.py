"""The words of notifications off-screen: a digest (rules.notifications.Digest, facts only) as
an e-mail's subject and text, and as a webhook's JSON document, in the subscription's language
(Russian by default); times in the console's zone."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

from components.formatting import local_datetime
from components.i18n import district_name, normalize_lang, plural, region_name, t
from rules.clock import local_iso
from rules.notifications import Digest, Event

# At most this many events are written out one by one in an e-mail (all are in a webhook's).
EMAIL_LINES = 500


def subject(message: Digest, lang: str | None) -> str:
    """«КУП: 300 материалов просрочено»; for several kinds, each count after the other."""
    parts = [
        plural(f"notify.subject.{kind}", len(events), lang)
        for kind, events in message.by_kind.items()
    ]
    return f"{t('notify.prefix', lang)}: {'; '.join(parts)}"


def _line(event: Event, tz: ZoneInfo, lang: str | None) -> str:
    district, region = district_name(event.district, lang), region_name(event.region, lang)
    # The region in brackets, unless the district is the region (a city of its own).
    same = region.replace(" ", "") in district.replace(" ", "")
    place = district if same or not region else f"{district} ({region})"
    text = f"{event.reg_no} · {place} · {local_datetime(event.at, tz, lang)}"
    if event.actor:
        text += f" · {event.actor}"
    if event.detail:
        text += f": {event.detail}"
    return text


def email_text(message: Digest, tz: ZoneInfo, lang: str | None, base_url: str = "") -> str:
    """The plain-text body: per kind a heading and one line per case (number, district,
    region, local time, who and what), a link to the case when the console's URL is known."""
    lines: list[str] = []
    shown = 0
    for kind, events in message.by_kind.items():
        lines.append(plural(f"notify.subject.{kind}", len(events), lang))
        for event in events:
            if shown >= EMAIL_LINES:
                break
            shown += 1
            lines.append("  " + _line(event, tz, lang))
            if base_url:
                lines.append(f"    {base_url.rstrip('/')}/cases/{event.reg_no}")
        lines.append("")
    if shown < len(message.events):
        lines.append(t("notify.more", lang, count=len(message.events) - shown))
    lines.append(t("notify.footer", lang))
    return "\n".join(lines) + "\n"


def webhook_document(message: Digest, tz: ZoneInfo, lang: str | None) -> dict[str, object]:
    """The webhook's JSON document: codes for programs (kinds, numbers, SOATE and ISO codes,
    ISO 8601 times in the console's zone) and the subject in words for people."""
    return {
        "id": message.message_key,
        "subject": subject(message, normalize_lang(lang)),
        "count": len(message.events),
        "events": [
            {
                "kind": e.kind,
                "reg_no": e.reg_no,
                "district": e.district,
                "region": e.region,
                "at": local_iso(e.at.astimezone(UTC), tz),
                "actor": e.actor,
                "detail": e.detail,
            }
            for e in message.events
        ],
    }
