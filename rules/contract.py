"""The upstream event contract (schema 1): validate one raw stream entry into an Event.

Pure code: no Redis, no database. Every rule of `shared/contract/EVENTS.md` is here, and a
violation raises ContractError with a message that names the offending field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

SCHEMA_VERSION = "1"
EVENT_TYPES = ("registered", "assigned", "extended", "decided", "reopened")
CATEGORIES = (
    "theft",
    "robbery",
    "fraud",
    "assault",
    "homicide",
    "sexual",
    "drugs",
    "traffic",
    "hooliganism",
    "domestic_violence",
    "corruption",
    "extremism",
    "missing_person",
    "property_damage",
    "other",
)
KINDS = ("crime", "misdemeanor", "appeal")
SOURCES = ("statement", "self_report", "officer_report", "media", "other_agency", "other")
PRIORITIES = ("normal", "high")
AUTHORITIES = ("head", "prosecutor")
DECISIONS = ("initiated", "refused", "transferred", "merged", "closed_other")
EXTENSION_DAYS = (10, 30)
REOPEN_DAYS = range(1, 31)
LAT_RANGE = (39.1, 43.3)
LON_RANGE = (69.2, 80.3)
FUTURE_TOLERANCE = timedelta(minutes=5)

EVENT_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
REG_NO_RE = re.compile(r"[A-Z0-9-]{6,32}")
INTEGER_RE = re.compile(r"0|[1-9][0-9]{0,2}")

# A stream entry's field map as a Redis client gives it: bytes (the console's clients), text
# (a client that decodes replies), or typed as either (redis-py's own annotation).
RawFields = Mapping[bytes, bytes] | Mapping[str, str] | Mapping[bytes | str, bytes | str]


class ContractError(ValueError):
    """An entry breaks the contract; `field` names the culprit, str(self) explains it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


@dataclass(frozen=True)
class Event:
    """A valid event: common fields typed, type-specific fields in `data` (typed too)."""

    type: str
    event_id: str
    reg_no: str
    occurred_at: datetime
    actor: str | None = None
    data: dict[str, object] = field(default_factory=dict)


def decode_fields(raw: RawFields) -> dict[str, str]:
    """Decode a stream entry's field map to text; a non-UTF-8 name or value is a ContractError."""
    decoded: dict[str, str] = {}
    for raw_key, raw_value in raw.items():
        if isinstance(raw_key, bytes):
            try:
                key = raw_key.decode("utf-8")
            except UnicodeDecodeError:
                shown = raw_key.decode("utf-8", "backslashreplace")[:40]
                raise ContractError(shown, "field name is not valid UTF-8") from None
        else:
            key = raw_key
        if isinstance(raw_value, bytes):
            try:
                value = raw_value.decode("utf-8")
            except UnicodeDecodeError:
                raise ContractError(
                    key[:64] or "(empty field name)", "value is not valid UTF-8"
                ) from None
        else:
            value = raw_value
        decoded[key] = value
    return decoded


class _Reader:
    """Reads fields of one entry, raising ContractError that names the field."""

    def __init__(self, fields: Mapping[str, str], now: datetime) -> None:
        self.fields = fields
        self.now = now

    def raw(self, name: str, required: bool) -> str | None:
        value = self.fields.get(name)
        if value is None or value == "":
            if required:
                raise ContractError(
                    name,
                    "required field is missing" if value is None else "required field is empty",
                )
            return None
        return value

    def text(self, name: str, max_len: int, required: bool = False) -> str | None:
        value = self.raw(name, required)
        if value is not None and len(value) > max_len:
            raise ContractError(name, f"longer than {max_len} characters ({len(value)})")
        return value

    def choice(self, name: str, choices: Collection[str], required: bool = False) -> str | None:
        value = self.raw(name, required)
        if value is not None and value not in choices:
            raise ContractError(name, f"{_show(value)} is not one of {', '.join(choices)}")
        return value

    def pattern(self, name: str, regex: re.Pattern[str], rule: str) -> str:
        value = self.raw(name, True)
        assert value is not None
        if not regex.fullmatch(value):
            raise ContractError(name, f"{_show(value)} must be {rule}")
        return value

    def integer(self, name: str, allowed: Collection[int]) -> int:
        value = self.raw(name, True)
        assert value is not None
        if not INTEGER_RE.fullmatch(value) or int(value) not in allowed:
            shown = (
                f"{min(allowed)}–{max(allowed)}"
                if isinstance(allowed, range)
                else (" or ".join(str(v) for v in allowed))
            )
            raise ContractError(name, f"{_show(value)} must be {shown}")
        return int(value)

    def timestamp(self, name: str, required: bool = True) -> datetime | None:
        value = self.raw(name, required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ContractError(name, f"{_show(value)} is not an ISO 8601 date-time") from None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            raise ContractError(name, f"{_show(value)} has no UTC offset")
        if parsed - self.now > FUTURE_TOLERANCE:
            raise ContractError(name, f"{_show(value)} is more than 5 minutes in the future")
        return parsed

    def coordinate(self, name: str, bounds: tuple[float, float]) -> float:
        value = self.raw(name, True)
        assert value is not None
        try:
            number = float(value)
        except ValueError:
            raise ContractError(name, f"{_show(value)} is not a decimal number") from None
        if not math.isfinite(number) or not bounds[0] <= number <= bounds[1]:
            raise ContractError(
                name, f"{_show(value)} is outside Kyrgyzstan ({bounds[0]}–{bounds[1]})"
            )
        return number


def _show(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def validate_event(
    fields: Mapping[str, str],
    known_districts: Collection[str],
    now: datetime | None = None,
) -> Event:
    """Check decoded fields against the contract and return the typed Event.

    `known_districts` are the SOATE codes a `registered` event may name; `now` (aware) is the
    instant against which "more than 5 minutes in the future" is judged.
    """
    read = _Reader(fields, now or datetime.now(UTC))
    schema = read.raw("schema", True)
    if schema != SCHEMA_VERSION:
        raise ContractError("schema", f"{_show(schema or '')} is not a supported version (1)")
    event_type = read.choice("type", EVENT_TYPES, required=True)
    event_id = read.pattern("event_id", EVENT_ID_RE, "1–64 characters of A-Z a-z 0-9 _ -")
    reg_no = read.pattern("reg_no", REG_NO_RE, "6–32 characters of A-Z 0-9 -")
    occurred_at = read.timestamp("occurred_at")
    actor = read.text("actor", 64)
    assert event_type is not None and occurred_at is not None
    data = _TYPE_READERS[event_type](read, known_districts)
    return Event(event_type, event_id, reg_no, occurred_at, actor, data)


def _registered(read: _Reader, known_districts: Collection[str]) -> dict[str, object]:
    district = read.raw("district", True)
    assert district is not None
    if district not in known_districts:
        raise ContractError("district", f"{_show(district)} is not a known SOATE district code")
    lat_given, lon_given = read.raw("lat", False), read.raw("lon", False)
    if (lat_given is None) != (lon_given is None):
        raise ContractError(
            "lat" if lat_given is None else "lon", "lat and lon must be given both or neither"
        )
    lat = read.coordinate("lat", LAT_RANGE) if lat_given is not None else None
    lon = read.coordinate("lon", LON_RANGE) if lon_given is not None else None
    return {
        "received_at": read.timestamp("received_at"),
        "district": district,
        "category": read.choice("category", CATEGORIES, required=True),
        "kind": read.choice("kind", KINDS) or "crime",
        "article": read.text("article", 16),
        "source": read.choice("source", SOURCES, required=True),
        "priority": read.choice("priority", PRIORITIES) or "normal",
        "lat": lat,
        "lon": lon,
        "address": read.text("address", 200),
        "summary": read.text("summary", 1000),
        "unit": read.text("unit", 64),
    }


def _assigned(read: _Reader, _: Collection[str]) -> dict[str, object]:
    return {
        "unit": read.text("unit", 64, required=True),
        "officer": read.text("officer", 64, required=True),
    }


def _extended(read: _Reader, _: Collection[str]) -> dict[str, object]:
    return {
        "days": read.integer("days", EXTENSION_DAYS),
        "authority": read.choice("authority", AUTHORITIES, required=True),
        "reason": read.text("reason", 500),
    }


def _decided(read: _Reader, _: Collection[str]) -> dict[str, object]:
    return {
        "decision": read.choice("decision", DECISIONS, required=True),
        "decided_at": read.timestamp("decided_at"),
        "transferred_to": read.text("transferred_to", 64),
    }


def _reopened(read: _Reader, _: Collection[str]) -> dict[str, object]:
    # The contract sets no length limit on a reopening's reason.
    return {"days": read.integer("days", REOPEN_DAYS), "reason": read.raw("reason", False)}


_TYPE_READERS = {
    "registered": _registered,
    "assigned": _assigned,
    "extended": _extended,
    "decided": _decided,
    "reopened": _reopened,
}
