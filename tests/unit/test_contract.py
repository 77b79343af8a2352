"""Every rule of the upstream contract (shared/contract/EVENTS.md), one test each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data.reference import load_geography
from rules.contract import ContractError, decode_fields, validate_event

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # 12:00 in Bishkek
DISTRICTS = frozenset(load_geography().districts)
REG = "KUP-41711000000000-2026-000123"

REGISTERED = {
    "schema": "1",
    "type": "registered",
    "event_id": "6f1c2a",
    "reg_no": REG,
    "occurred_at": "2026-11-28T09:15:00+06:00",
    "received_at": "2026-11-28T09:02:00+06:00",
    "district": "41711000000000",
    "category": "theft",
    "source": "statement",
    "lat": "42.8746",
    "lon": "74.5698",
    "summary": "Кража телефона в маршрутке №110",
}
ASSIGNED = {
    "schema": "1",
    "type": "assigned",
    "event_id": "6f1c2b",
    "reg_no": REG,
    "occurred_at": "2026-11-28T09:40:00+06:00",
    "unit": "OVD-Pervomaisky",
    "officer": "10442",
}
EXTENDED = {
    "schema": "1",
    "type": "extended",
    "event_id": "6f1c2c",
    "reg_no": REG,
    "occurred_at": "2026-11-28T10:00:00+06:00",
    "days": "10",
    "authority": "head",
}
DECIDED = {
    "schema": "1",
    "type": "decided",
    "event_id": "6f1c2d",
    "reg_no": REG,
    "occurred_at": "2026-11-28T11:00:00+06:00",
    "decision": "initiated",
    "decided_at": "2026-11-28T10:55:00+06:00",
}
REOPENED = {
    "schema": "1",
    "type": "reopened",
    "event_id": "6f1c2e",
    "reg_no": REG,
    "occurred_at": "2026-11-28T11:30:00+06:00",
    "days": "5",
}


def check(fields: dict[str, str]):  # type: ignore[no-untyped-def]
    return validate_event(fields, DISTRICTS, NOW)


def rejected(fields: dict[str, str], field: str) -> str:
    with pytest.raises(ContractError) as info:
        check(fields)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}:")
    return str(info.value)


def with_(base: dict[str, str], **changes: str | None) -> dict[str, str]:
    fields = dict(base)
    for key, value in changes.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value
    return fields


@pytest.mark.parametrize("example", [REGISTERED, ASSIGNED, EXTENDED, DECIDED, REOPENED])
def test_contract_examples_are_accepted(example: dict[str, str]) -> None:
    event = check(example)
    assert event.type == example["type"] and event.reg_no == REG
    assert event.occurred_at.utcoffset() == timedelta(hours=6)


def test_registered_fields_are_typed_with_defaults() -> None:
    event = check(REGISTERED)
    assert event.data["kind"] == "crime" and event.data["priority"] == "normal"
    assert event.data["lat"] == pytest.approx(42.8746)
    assert event.data["received_at"] == datetime(2026, 11, 28, 3, 2, tzinfo=UTC)


def test_unknown_extra_fields_are_ignored() -> None:
    assert check(with_(REGISTERED, producer_version="7.3", x_trace="abc")).event_id == "6f1c2a"


@pytest.mark.parametrize("schema", ["2", "", "1.0", " 1"])
def test_schema_other_than_1_is_rejected(schema: str) -> None:
    rejected(with_(REGISTERED, schema=schema), "schema")


def test_schema_missing_is_rejected() -> None:
    assert "missing" in rejected(with_(REGISTERED, schema=None), "schema")


def test_unknown_type_is_rejected() -> None:
    rejected(with_(REGISTERED, type="deleted"), "type")


@pytest.mark.parametrize("field", ["type", "event_id", "reg_no", "occurred_at"])
def test_common_required_fields(field: str) -> None:
    rejected(with_(ASSIGNED, **{field: None}), field)


@pytest.mark.parametrize("event_id", ["a" * 65, "abc def", "ид", "a.b", "a/b"])
def test_event_id_format(event_id: str) -> None:
    rejected(with_(ASSIGNED, event_id=event_id), "event_id")


def test_event_id_limits_accepted() -> None:
    assert check(with_(ASSIGNED, event_id="a" * 64)).event_id == "a" * 64
    assert check(with_(ASSIGNED, event_id="Z")).event_id == "Z"


@pytest.mark.parametrize(
    "reg_no", ["KUP-1", "kup-41711000000000-2026-1", "A" * 33, "KUP_417", "KUP-417 11"]
)
def test_reg_no_format(reg_no: str) -> None:
    rejected(with_(ASSIGNED, reg_no=reg_no), "reg_no")


def test_reg_no_with_trailing_newline_is_rejected() -> None:
    rejected(with_(ASSIGNED, reg_no=REG + "\n"), "reg_no")


@pytest.mark.parametrize(
    "value", ["2026-11-28T09:15:00", "2026-11-28", "yesterday", "28.11.2026 09:15"]
)
def test_timestamp_without_offset_or_malformed_is_rejected(value: str) -> None:
    rejected(with_(ASSIGNED, occurred_at=value), "occurred_at")


def test_timestamp_with_z_or_other_offset_is_accepted() -> None:
    assert check(with_(ASSIGNED, occurred_at="2026-11-28T03:00:00Z")).occurred_at.hour == 3
    assert check(with_(ASSIGNED, occurred_at="2026-11-28T08:00:00+05:00"))


def test_timestamp_more_than_5_minutes_in_future_is_rejected() -> None:
    future = (NOW + timedelta(minutes=6)).isoformat()
    assert "future" in rejected(with_(ASSIGNED, occurred_at=future), "occurred_at")
    assert check(with_(ASSIGNED, occurred_at=(NOW + timedelta(minutes=4)).isoformat()))


@pytest.mark.parametrize("field", ["received_at", "decided_at"])
def test_future_and_offset_rule_applies_to_every_timestamp(field: str) -> None:
    base = REGISTERED if field == "received_at" else DECIDED
    rejected(with_(base, **{field: "2026-11-28T09:00:00"}), field)
    rejected(with_(base, **{field: (NOW + timedelta(hours=1)).isoformat()}), field)


def test_actor_is_optional_and_limited_to_64() -> None:
    assert check(with_(ASSIGNED, actor="x" * 64)).actor == "x" * 64
    rejected(with_(ASSIGNED, actor="x" * 65), "actor")


@pytest.mark.parametrize("field", ["received_at", "district", "category", "source"])
def test_registered_required_fields(field: str) -> None:
    rejected(with_(REGISTERED, **{field: None}), field)


def test_registered_may_be_received_before_occurred() -> None:
    event = check(with_(REGISTERED, received_at="2026-11-20T09:00:00+06:00"))
    assert event.data["received_at"] < event.occurred_at


@pytest.mark.parametrize("district", ["41711000000001", "4171100000000", "KG-C", "0" * 14])
def test_unknown_district_is_rejected(district: str) -> None:
    rejected(with_(REGISTERED, district=district), "district")


def test_all_55_districts_are_known() -> None:
    assert len(DISTRICTS) == 55
    for code in ("41711000000000", "41721000000000"):
        assert check(with_(REGISTERED, district=code)).data["district"] == code


def test_category_must_be_listed() -> None:
    rejected(with_(REGISTERED, category="arson"), "category")
    assert check(with_(REGISTERED, category="domestic_violence"))


@pytest.mark.parametrize("kind", ["crime", "misdemeanor", "appeal"])
def test_kind_values(kind: str) -> None:
    assert check(with_(REGISTERED, kind=kind)).data["kind"] == kind


def test_kind_unknown_is_rejected() -> None:
    rejected(with_(REGISTERED, kind="complaint"), "kind")


def test_source_must_be_listed() -> None:
    rejected(with_(REGISTERED, source="phone"), "source")


def test_priority_values() -> None:
    assert check(with_(REGISTERED, priority="high")).data["priority"] == "high"
    rejected(with_(REGISTERED, priority="urgent"), "priority")


def test_article_limited_to_16() -> None:
    assert check(with_(REGISTERED, article="ст. 205 ч. 1"))
    rejected(with_(REGISTERED, article="x" * 17), "article")


def test_lat_and_lon_both_or_neither() -> None:
    rejected(with_(REGISTERED, lon=None), "lon")
    rejected(with_(REGISTERED, lat=None), "lat")
    event = check(with_(REGISTERED, lat=None, lon=None))
    assert event.data["lat"] is None and event.data["lon"] is None


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        ("39.0", "74.5", "lat"),
        ("43.4", "74.5", "lat"),
        ("42.8", "69.1", "lon"),
        ("42.8", "80.4", "lon"),
        ("nan", "74.5", "lat"),
        ("42.8", "inf", "lon"),
        ("north", "74.5", "lat"),
    ],
)
def test_coordinates_inside_kyrgyzstan(lat: str, lon: str, field: str) -> None:
    rejected(with_(REGISTERED, lat=lat, lon=lon), field)


def test_coordinates_on_the_bounding_box_are_accepted() -> None:
    assert check(with_(REGISTERED, lat="39.1", lon="80.3"))


def test_address_limited_to_200() -> None:
    assert check(with_(REGISTERED, address="а" * 200))
    rejected(with_(REGISTERED, address="а" * 201), "address")


def test_summary_limited_to_1000_and_kept_verbatim() -> None:
    markup = '<img src=x onerror=alert(1)> "кавычки" & <b>'
    assert check(with_(REGISTERED, summary=markup)).data["summary"] == markup
    assert check(with_(REGISTERED, summary="я" * 1000))
    rejected(with_(REGISTERED, summary="я" * 1001), "summary")


def test_unit_on_registration_limited_to_64() -> None:
    rejected(with_(REGISTERED, unit="u" * 65), "unit")


@pytest.mark.parametrize("field", ["unit", "officer"])
def test_assigned_requires_unit_and_officer_up_to_64(field: str) -> None:
    rejected(with_(ASSIGNED, **{field: None}), field)
    rejected(with_(ASSIGNED, **{field: "x" * 65}), field)


@pytest.mark.parametrize("days", ["3", "14", "20", "ten", "010", "-10"])
def test_extended_days_only_10_or_30(days: str) -> None:
    rejected(with_(EXTENDED, days=days), "days")


def test_extended_accepts_30_by_prosecutor_with_reason() -> None:
    event = check(with_(EXTENDED, days="30", authority="prosecutor", reason="экспертиза"))
    assert event.data == {"days": 30, "authority": "prosecutor", "reason": "экспертиза"}


def test_extended_authority_required_and_listed() -> None:
    rejected(with_(EXTENDED, authority=None), "authority")
    rejected(with_(EXTENDED, authority="minister"), "authority")


def test_extended_reason_limited_to_500() -> None:
    rejected(with_(EXTENDED, reason="r" * 501), "reason")


@pytest.mark.parametrize(
    "decision", ["initiated", "refused", "transferred", "merged", "closed_other"]
)
def test_decided_decisions(decision: str) -> None:
    assert check(with_(DECIDED, decision=decision)).data["decision"] == decision


def test_decided_requires_listed_decision_and_decided_at() -> None:
    rejected(with_(DECIDED, decision="dismissed"), "decision")
    rejected(with_(DECIDED, decision=None), "decision")
    rejected(with_(DECIDED, decided_at=None), "decided_at")


def test_decided_transferred_to_limited_to_64() -> None:
    assert check(with_(DECIDED, decision="transferred", transferred_to="ГКНБ"))
    rejected(with_(DECIDED, transferred_to="t" * 65), "transferred_to")


@pytest.mark.parametrize(
    ("days", "ok"),
    [("1", True), ("30", True), ("0", False), ("31", False), ("", False), ("2.5", False)],
)
def test_reopened_days_1_to_30(days: str, ok: bool) -> None:
    fields = with_(REOPENED, days=days)
    if ok:
        assert check(fields).data["days"] == int(days)
    else:
        rejected(fields, "days")


def test_reopened_reason_is_optional_and_unbounded() -> None:
    assert check(with_(REOPENED, reason="причина " * 200)).data["reason"]


def test_optional_field_given_empty_counts_as_absent() -> None:
    event = check(with_(REGISTERED, kind="", address="", lat="", lon=""))
    assert event.data["kind"] == "crime" and event.data["address"] is None


def test_decode_fields_accepts_utf8_bytes() -> None:
    fields = decode_fields({k.encode(): v.encode() for k, v in REGISTERED.items()})
    assert check(fields).data["summary"] == REGISTERED["summary"]


def test_decode_fields_rejects_non_utf8_value_naming_the_field() -> None:
    with pytest.raises(ContractError) as info:
        decode_fields({b"schema": b"1", b"summary": b"\xff\xfe"})
    assert info.value.field == "summary"


def test_decode_fields_rejects_non_utf8_field_name() -> None:
    with pytest.raises(ContractError, match="field name is not valid UTF-8"):
        decode_fields({b"\xff": b"1"})


def test_non_utf8_value_under_an_empty_field_name_is_named() -> None:
    with pytest.raises(ContractError, match=r"^\(empty field name\): value is not valid UTF-8"):
        decode_fields({b"": b"\xff"})


# What a refusal says: the message is shown to the operators in the console's rejected-entries
# list, so each names the rule that was broken and quotes the offending value.


def message(fields: dict[str, str]) -> str:
    with pytest.raises(ContractError) as info:
        check(fields)
    return str(info.value)


def test_a_missing_field_and_an_empty_one_are_told_apart() -> None:
    assert message(with_(REGISTERED, category=None)) == "category: required field is missing"
    assert message(with_(REGISTERED, category="")) == "category: required field is empty"


def test_the_refusal_of_a_schema_quotes_the_version_given() -> None:
    assert message(with_(REGISTERED, schema="2")) == "schema: '2' is not a supported version (1)"


def test_the_refusal_of_a_malformed_identifier_states_the_format() -> None:
    assert (
        message(with_(ASSIGNED, event_id="a b"))
        == "event_id: 'a b' must be 1–64 characters of A-Z a-z 0-9 _ -"
    )
    assert (
        message(with_(ASSIGNED, reg_no="KUP-1"))
        == "reg_no: 'KUP-1' must be 6–32 characters of A-Z 0-9 -"
    )


def test_the_refusal_of_an_unlisted_value_lists_the_allowed_ones() -> None:
    assert (
        message(with_(REGISTERED, kind="complaint"))
        == "kind: 'complaint' is not one of crime, misdemeanor, appeal"
    )


def test_the_refusal_of_a_long_text_gives_the_limit_and_the_length() -> None:
    assert message(with_(REGISTERED, article="x" * 17)) == "article: longer than 16 characters (17)"


def test_the_refusal_of_days_gives_the_allowed_values() -> None:
    assert message(with_(EXTENDED, days="20")) == "days: '20' must be 10 or 30"
    assert message(with_(REOPENED, days="31")) == "days: '31' must be 1–30"


def test_the_refusal_of_a_timestamp_says_what_is_wrong_with_it() -> None:
    assert (
        message(with_(ASSIGNED, occurred_at="yesterday"))
        == "occurred_at: 'yesterday' is not an ISO 8601 date-time"
    )
    naive = "2026-11-28T09:15:00"
    assert (
        message(with_(ASSIGNED, occurred_at=naive)) == f"occurred_at: '{naive}' has no UTC offset"
    )
    ahead = (NOW + timedelta(minutes=6)).isoformat()
    assert (
        message(with_(ASSIGNED, occurred_at=ahead))
        == f"occurred_at: '{ahead}' is more than 5 minutes in the future"
    )


def test_the_refusal_of_a_coordinate_gives_the_bounds() -> None:
    assert message(with_(REGISTERED, lat="north")) == "lat: 'north' is not a decimal number"
    assert message(with_(REGISTERED, lat="39.0")) == "lat: '39.0' is outside Kyrgyzstan (39.1–43.3)"
    assert message(with_(REGISTERED, lon="80.4")) == "lon: '80.4' is outside Kyrgyzstan (69.2–80.3)"
    assert message(with_(REGISTERED, lon=None)) == "lon: lat and lon must be given both or neither"


def test_the_refusal_of_a_district_quotes_the_code() -> None:
    assert (
        message(with_(REGISTERED, district="41711000000001"))
        == "district: '41711000000001' is not a known SOATE district code"
    )


def test_a_quoted_value_is_cut_after_40_characters() -> None:
    forty = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
    assert message(with_(REGISTERED, category=forty)).startswith(f"category: '{forty}' is not")
    longer = forty + "O"
    assert message(with_(REGISTERED, category=longer)).startswith(f"category: '{forty}…' is not")


def test_a_non_utf8_field_name_is_shown_escaped_and_cut_to_40_characters() -> None:
    with pytest.raises(ContractError) as info:
        decode_fields({b"\xff" + b"n" * 60: b"1"})
    assert info.value.field == "\\xff" + "n" * 36
    assert str(info.value) == f"{info.value.field}: field name is not valid UTF-8"


def test_a_non_utf8_value_is_named_by_the_first_64_characters_of_its_field() -> None:
    with pytest.raises(ContractError) as info:
        decode_fields({"f" * 80: b"\xff"})
    assert info.value.field == "f" * 64


# Boundaries: the limits themselves are allowed.


@pytest.mark.parametrize(
    ("base", "field", "limit"),
    [
        (REGISTERED, "article", 16),
        (REGISTERED, "unit", 64),
        (ASSIGNED, "unit", 64),
        (ASSIGNED, "officer", 64),
        (EXTENDED, "reason", 500),
        (DECIDED, "transferred_to", 64),
    ],
)
def test_a_text_of_exactly_the_limit_is_accepted(
    base: dict[str, str], field: str, limit: int
) -> None:
    assert check(with_(base, **{field: "ж" * limit})).data[field] == "ж" * limit


def test_the_north_western_corner_of_the_bounding_box_is_accepted() -> None:
    event = check(with_(REGISTERED, lat="43.3", lon="69.2"))
    assert (event.data["lat"], event.data["lon"]) == (43.3, 69.2)


def test_an_event_exactly_5_minutes_in_the_future_is_accepted() -> None:
    at = NOW + timedelta(minutes=5)
    assert check(with_(ASSIGNED, occurred_at=at.isoformat())).occurred_at == at


def test_without_an_instant_the_future_is_judged_against_the_clock() -> None:
    now = datetime.now(UTC)
    recent = with_(ASSIGNED, occurred_at=(now - timedelta(minutes=1)).isoformat())
    assert validate_event(recent, DISTRICTS).reg_no == REG
    ahead = with_(ASSIGNED, occurred_at=(now + timedelta(hours=1)).isoformat())
    with pytest.raises(ContractError, match="future"):
        validate_event(ahead, DISTRICTS)
