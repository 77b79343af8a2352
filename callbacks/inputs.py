"""Callback inputs checked before use: one policy for every value a Dash callback receives.

A callback's inputs come from the browser, so a logged-in user can forge any of them (a POST to
`/_dash-update-component` with any JSON). Every value a callback reads goes through one of the
functions below before it is used, and each decides in the same way:

- **null, or empty text**: the input's default. The page sends that for a component not set yet
  (no click, no selection, a cleared dropdown, a store before its first write).
- **the right JSON type, a value we do not know**: the default too (answer 200). The page can
  send such a value: a hand-typed URL, a choice persisted by an older version of the page (the
  map measure), a stale store. A language, tab or measure we do not have, a stored instant that
  does not parse (or cannot be placed in UTC); filter text that names nothing simply matches
  nothing (a NUL in it included: data.queries makes that a no-match, not an SQL error).
- **another JSON type**: `InvalidCallbackInput`. The page never sends a list where it keeps
  text, text where it keeps rows, a number as click data, `true` as a counter: only a forged
  request does. console/web/app.py answers it with a 400 `{"error": ...}` naming the expected
  form (never the value), logged at WARNING without a traceback.

Inputs a callback only listens to (timer ticks, resync counters, button clicks it does not
count) are not read, so not checked. Scope and rights are not decided here: every query is
scoped to the viewer's region and every flag is checked by data.flags, whatever passes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any

from components.i18n import DEFAULT_LANG, LANGUAGES
from rules.clock import instant as parse_instant
from rules.clock import utc
from rules.contract import REG_NO_RE

MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER

_JSON_NAMES = {
    str: "text",
    int: "a number",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "an object",
}


class InvalidCallbackInput(Exception):
    """A callback input of a JSON type the page never sends (a forged request): answered 400."""

    def __init__(self, expected: str, value: object) -> None:
        got = _JSON_NAMES.get(type(value), type(value).__name__)
        super().__init__(f"expected {expected}, got {got}")


def text(value: object) -> str | None:
    """Text, or None for null and "" (a dropdown cleared, a store or URL part not set)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidCallbackInput("text or null", value)
    return value


def choice(value: object, allowed: Collection[str], default: str) -> str:
    """One of `allowed`; `default` for null or text that is not one of them."""
    chosen = text(value)
    return chosen if chosen is not None and chosen in allowed else default


def language(value: object) -> str:
    """The page language (ru, ky, en); Russian for null or a language we do not have."""
    return choice(value, LANGUAGES, DEFAULT_LANG)


def number(value: object, default: int = 0) -> int:
    """A whole number (clicks, versions, counts, ids, curve indexes) as JavaScript holds one
    exactly (within ±2**53); `default` for null."""
    if value is None:
        return default
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (-MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER)
    ):  # NaN fails this too
        raise InvalidCallbackInput("a number (within ±2**53) or null", value)
    return int(value)


def reg_no(value: object) -> str | None:
    """A registration number (the contract's form); None for null and for text that is not
    one: it names no case."""
    given = text(value)
    return given if given is not None and REG_NO_RE.fullmatch(given) else None


def mapping(value: object) -> Mapping[str, Any]:
    """An object (click data, a clicked cell, a push, a store's memory); {} for null."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidCallbackInput("an object or null", value)
    return value


def _listed(value: object, is_item: Callable[[object], bool], expected: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(is_item(item) for item in value):
        raise InvalidCallbackInput(expected, value)
    return value


def rows(value: object) -> list[Mapping[str, Any]]:
    """A list of objects (a grid's rows or selection, a click's points); [] for null."""
    return _listed(value, lambda item: isinstance(item, dict), "a list of objects or null")


def texts(value: object) -> list[str]:
    """A list of text (registration numbers); [] for null."""
    return _listed(value, lambda item: isinstance(item, str), "a list of text or null")


def numbers(value: object) -> list[int]:
    """A list of whole numbers (the clicks of a pattern's buttons, null counting 0)."""
    return [number(item) for item in _listed(value, lambda item: True, "a list or null")]


def instant(value: object) -> datetime | None:
    """An aware UTC instant from ISO text; None for null and for text that is not one (or lies
    beyond what UTC can hold, e.g. year 1 at +14:00)."""
    given = text(value)
    if given is None:
        return None
    try:
        moment = parse_instant(given)
        return utc(moment) if moment is not None else None
    except (ValueError, OverflowError):
        return None


def counts(value: object, names: Collection[str]) -> dict[str, int]:
    """An object of whole numbers (pushed counters): `names` each, 0 when null or missing."""
    given = mapping(value)
    return {name: number(given.get(name)) for name in names}


def switch(value: object, default: bool) -> bool:
    """A switch's or checkbox's state (true or false); `default` for null."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidCallbackInput("true, false or null", value)
    return value
