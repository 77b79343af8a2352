"""Property-based tests of the contract validator: whatever the field map, the answer is an Event
or a ContractError naming a field (never another exception), with a bounded message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from data.reference import load_geography
from rules.contract import ContractError, Event, decode_fields, validate_event
from tests.support import events as ev

DISTRICTS = frozenset(load_geography().districts)
NOW = datetime.now(UTC)
T0 = NOW - timedelta(days=1)
CONTRACT_FIELDS = (
    "schema",
    "type",
    "event_id",
    "reg_no",
    "occurred_at",
    "actor",
    "received_at",
    "district",
    "category",
    "kind",
    "article",
    "source",
    "priority",
    "lat",
    "lon",
    "address",
    "summary",
    "unit",
    "officer",
    "days",
    "authority",
    "reason",
    "decision",
    "decided_at",
    "transferred_to",
)
FUZZ = hsettings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

text_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "1",
            "2",
            "",
            " ",
            "registered",
            "decided",
            "10",
            "30",
            "0",
            "-1",
            "42.8",
            "74.6",
            "nan",
            "inf",
            "41711000000000",
            "2026-11-28T09:15:00+06:00",
            "2026-11-28T09:15:00",
            "9999-12-31T23:59:59+14:00",
            "theft",
            "appeal",
            "statement",
            "head",
            "initiated",
            "KUP-41711000000000-2026-000001",
        ]
    ),
    st.integers(2000, 20_000).map(lambda n: "я" * n),
)
raw_keys = st.one_of(
    st.sampled_from(CONTRACT_FIELDS).map(str.encode),
    st.binary(max_size=24),
    st.text(max_size=24).map(str.encode),
)
raw_values = st.one_of(text_values.map(str.encode), st.binary(max_size=60))


def valid_event(kind: int) -> dict[str, str]:
    reg = ev.next_reg_no()
    return [
        ev.registered(reg, T0, lat="42.87", lon="74.59", summary="<b>Кража</b>"),
        ev.assigned(reg, T0),
        ev.extended(reg, T0, 30),
        ev.decided(reg, T0),
        ev.reopened(reg, T0, 7),
    ][kind]


def outcome(raw: dict) -> Event | ContractError:  # type: ignore[type-arg]
    try:
        return validate_event(decode_fields(raw), DISTRICTS, NOW)
    except ContractError as exc:
        return exc


def assert_clear(error: ContractError) -> None:
    assert isinstance(error.field, str) and error.field is not None
    assert str(error).startswith(f"{error.field}: ")
    assert len(str(error)) <= 400  # values are quoted shortened, never echoed whole


@FUZZ
@given(st.dictionaries(raw_keys, raw_values, max_size=30))
def test_any_field_map_gives_an_event_or_a_clear_error(raw: dict[bytes, bytes]) -> None:
    result = outcome(raw)
    if isinstance(result, ContractError):
        assert_clear(result)
    else:
        assert isinstance(result, Event) and result.type in (
            "registered",
            "assigned",
            "extended",
            "decided",
            "reopened",
        )
    again = outcome(dict(raw))  # pure: the same answer twice
    assert type(again) is type(result) and str(again) == str(result)


@FUZZ
@given(st.integers(0, 4), st.sampled_from([f for f in CONTRACT_FIELDS if f != "type"]), text_values)
def test_one_bad_field_is_named(kind: int, name: str, value: str) -> None:
    """Change one field of a valid event: still valid, or refused naming that field."""
    fields = valid_event(kind)
    fields[name] = value
    result = outcome({k.encode(): v.encode() for k, v in fields.items()})
    if isinstance(result, ContractError):
        assert_clear(result)
        assert result.field in ({"lat", "lon"} if name in ("lat", "lon") else {name})


@FUZZ
@given(st.integers(0, 4), st.data())
def test_a_missing_required_field_is_named(kind: int, data: st.DataObject) -> None:
    fields = valid_event(kind)
    required = [
        f
        for f in fields
        if f
        not in (
            "actor",
            "kind",
            "priority",
            "lat",
            "lon",
            "summary",
            "article",
            "address",
            "unit",
            "reason",
            "transferred_to",
        )
        or (f == "unit" and fields["type"] == "assigned")
    ]
    dropped = data.draw(st.sampled_from(required))
    del fields[dropped]
    result = outcome(fields)
    assert isinstance(result, ContractError) and result.field == dropped


@FUZZ
@given(
    st.integers(0, 4),
    st.dictionaries(
        st.text(min_size=1, max_size=30).filter(lambda k: k not in CONTRACT_FIELDS),
        st.text(max_size=100),
        max_size=50,
    ),
)
def test_unknown_extra_fields_are_ignored(kind: int, extra: dict[str, str]) -> None:
    fields = valid_event(kind)
    expected = outcome(fields)
    assert isinstance(expected, Event)
    assert outcome({**extra, **fields}) == expected


@FUZZ
@given(st.integers(1000, 6000))
def test_thousands_of_fields_and_huge_values(count: int) -> None:
    fields: dict[bytes, bytes] = {f"x{i}".encode(): b"v" for i in range(count)}
    fields.update({k.encode(): v.encode() for k, v in valid_event(0).items()})
    assert isinstance(outcome(fields), Event)
    fields[b"summary"] = b"s" * (count * 100)
    error = outcome(fields)
    assert isinstance(error, ContractError) and error.field == "summary"
    assert_clear(error)


def test_the_empty_map_is_refused() -> None:
    error = outcome({})
    assert isinstance(error, ContractError) and error.field == "schema"


def test_non_utf8_is_refused_naming_the_field() -> None:
    fields = {k.encode(): v.encode() for k, v in valid_event(1).items()}
    fields[b"officer"] = b"\xff\xfe"
    error = outcome(fields)
    assert isinstance(error, ContractError) and error.field == "officer"
    del fields[b"officer"]
    fields[b"\xffname"] = b"x"  # an unknown field, but its name is not text
    error = outcome(fields)
    assert isinstance(error, ContractError) and "not valid UTF-8" in str(error)
