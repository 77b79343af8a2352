"""The pure rules of notifications (rules/notifications.py) and their words
(components/notifications.py): event names, targets, regions, backoff, digests, subjects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from components.notifications import EMAIL_LINES, email_text, subject, webhook_document
from rules import notifications as rules
from rules.notifications import Event, digest

AT = datetime(2026, 3, 11, 8, 5, tzinfo=UTC)
TZ = ZoneInfo("Asia/Bishkek")


def events(kind: str, count: int, start: int = 1) -> list[Event]:
    return [
        Event(i, kind, f"KUP-{i:04d}", "41711000000000", "KG-GB", AT)
        for i in range(start, start + count)
    ]


def test_event_names_are_checked_and_ordered() -> None:
    assert rules.parse_events("flagged, overdue") == ("overdue", "flagged")
    assert rules.parse_events(["acknowledged"]) == ("acknowledged",)
    with pytest.raises(ValueError, match="unknown event late"):
        rules.parse_events("overdue,late")
    with pytest.raises(ValueError, match="at least one"):
        rules.parse_events(" , ")


@pytest.mark.parametrize(
    ("channel", "target", "ok"),
    [
        ("email", "duty@mvd.kg", True),
        ("email", "duty@localhost", False),
        ("email", "a b@mvd.kg", False),
        ("webhook", "https://hooks.mvd.kg/kup", True),
        ("webhook", "http://10.0.0.5:8080/x", True),
        ("webhook", "file:///etc/passwd", False),
        ("webhook", "https://", False),
    ],
)
def test_targets(channel: str, target: str, ok: bool) -> None:
    if ok:
        assert rules.check_target(channel, f"  {target} ") == target
    else:
        with pytest.raises(ValueError):
            rules.check_target(channel, target)


def test_regions_are_clamped_and_checked() -> None:
    assert rules.clamp_region("KG-GO", None) == "KG-GO"
    assert rules.clamp_region(None, "KG-C") == "KG-C" and rules.clamp_region(None, None) is None
    with pytest.raises(ValueError, match="cannot subscribe"):
        rules.clamp_region("KG-GO", "KG-GB")
    assert rules.hears(None, None, "KG-GB") and rules.hears("KG-GB", "KG-GB", "KG-GB")
    assert not rules.hears("KG-GO", None, "KG-GB") and not rules.hears(None, "KG-GO", "KG-GB")


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [rules.backoff(n).total_seconds() for n in range(1, 10)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert rules.backoff(1, timedelta(seconds=1)) == timedelta(seconds=1)


def test_a_digest_groups_by_kind_and_keeps_a_stable_key() -> None:
    message = digest(7, events("flagged", 2, 10) + events("overdue", 3))
    assert list(message.by_kind) == ["overdue", "flagged"]
    assert message.ids == (1, 2, 3, 10, 11)
    assert message.message_key == "kup-7-1-11-5"
    assert digest(7, list(reversed(message.events))).message_key == message.message_key


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", "КУП: 300 материалов просрочено"),
        ("ky", "КУП: 300 материалдын мөөнөтү өттү"),
        ("en", "KUP: 300 cases overdue"),
    ],
)
def test_subjects_in_each_language(lang: str, expected: str) -> None:
    assert subject(digest(1, events("overdue", 300)), lang) == expected


def test_a_mixed_digest_names_each_count() -> None:
    message = digest(1, events("overdue", 2) + events("flagged", 1, 5))
    assert subject(message, "ru") == "КУП: 2 материала просрочено; 1 материал отмечен прокурором"


def test_the_email_lists_each_case_in_local_time_and_cuts_a_long_list() -> None:
    text = email_text(digest(1, events("overdue", 2)), TZ, "ru", "https://kup.mvd.kg/")
    assert "  KUP-0001 · г.Бишкек · 11.03.2026, 14:05\n" in text  # 08:05 UTC in Bishkek
    osh = Event(9, "overdue", "KUP-9", "41706207000000", "KG-O", AT)  # Alai district
    assert "KUP-9 · Алайский (Ошская область) · " in email_text(digest(1, [osh]), TZ, "ru")
    assert "https://kup.mvd.kg/cases/KUP-0001" in text
    long = email_text(digest(1, events("overdue", EMAIL_LINES + 20)), TZ, "ru")
    assert "…и ещё 20" in long and "KUP-0520" not in long


def test_the_webhook_document_has_codes_and_local_times() -> None:
    document = webhook_document(digest(3, events("escalated", 1)), TZ, "en")
    assert document["id"] == "kup-3-1-1-1" and document["count"] == 1
    assert document["events"] == [
        {
            "kind": "escalated",
            "reg_no": "KUP-0001",
            "district": "41711000000000",
            "region": "KG-GB",
            "at": "2026-03-11T14:05:00+06:00",
            "actor": None,
            "detail": None,
        }
    ]


def test_target_length_and_channel_limits() -> None:
    url = "https://h.example.org/" + "x" * (rules.MAX_TARGET_LENGTH - 22)
    assert rules.check_target("webhook", url) == url
    with pytest.raises(ValueError, match="1 to 500"):
        rules.check_target("webhook", url + "x")
    with pytest.raises(ValueError, match="1 to 500"):
        rules.check_target("email", "   ")
    with pytest.raises(ValueError, match="channel must be one of email, webhook"):
        rules.check_target("sms", "+996555000000")
    assert rules.backoff(0) == rules.backoff(1) == timedelta(seconds=30)
    assert rules.backoff(10_000) == rules.BACKOFF_CAP
