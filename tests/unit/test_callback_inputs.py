"""callbacks/inputs.py: every callback input parsed by one policy. Null and empty text give the
default; the right JSON type with a value we do not know degrades to the default; another JSON
type raises InvalidCallbackInput (answered 400 by the served console) and never anything else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callbacks import inputs
from callbacks.inputs import InvalidCallbackInput

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)


@pytest.mark.parametrize("value", [[], {}, 0, 1.5, True, ["x"], {"a": "b"}])
def test_text_refuses_every_other_json_type(value: object) -> None:
    with pytest.raises(InvalidCallbackInput, match="^expected text or null, got "):
        inputs.text(value)


def test_text_gives_none_for_null_and_empty_and_keeps_any_text() -> None:
    assert inputs.text(None) is None and inputs.text("") is None
    assert inputs.text(" KG-GB\x00 ") == " KG-GB\x00 "  # kept as sent: filters match nothing


def test_the_refusal_names_the_json_type_not_the_value() -> None:
    with pytest.raises(InvalidCallbackInput) as refused:
        inputs.text(["PERSONAL-7f3a"])
    assert str(refused.value) == "expected text or null, got a list"
    with pytest.raises(InvalidCallbackInput, match="got an object$"):
        inputs.rows({"reg_no": "PERSONAL-7f3a"})
    with pytest.raises(InvalidCallbackInput, match="got true or false$"):
        inputs.number(False)


def test_choices_degrade_to_the_default() -> None:
    assert inputs.choice("dark", ("light", "dark"), "light") == "dark"
    assert inputs.choice("violet", ("light", "dark"), "light") == "light"
    assert inputs.choice(None, ("light", "dark"), "light") == "light"
    assert [inputs.language(v) for v in ("ky", "en", "ru", "xx", "", None)] == [
        "ky",
        "en",
        "ru",
        "ru",
        "ru",
        "ru",
    ]
    with pytest.raises(InvalidCallbackInput):
        inputs.language([])  # what once made every page answer 500
    with pytest.raises(InvalidCallbackInput):
        inputs.choice({"x": 1}, ("x",), "x")


def test_numbers_are_whole_and_within_what_javascript_holds() -> None:
    assert inputs.number(None) == 0 and inputs.number(None, 7) == 7
    assert inputs.number(3) == 3 and inputs.number(2.9) == 2 and inputs.number(-4) == -4
    assert inputs.number(2**53 - 1) == 2**53 - 1
    for value in (2**53, -(2**53), 10**30, float("nan"), float("inf"), True, "3", [1], {}):
        with pytest.raises(InvalidCallbackInput):
            inputs.number(value)
    assert inputs.numbers([None, 2, 1.0]) == [0, 2, 1]
    for bad in (5, "12", [True], [[1]], {"a": 1}):
        with pytest.raises(InvalidCallbackInput):
            inputs.numbers(bad)


def test_reg_no_is_a_registration_number_or_nothing() -> None:
    assert inputs.reg_no("KUP-2026-000001") == "KUP-2026-000001"
    for names_no_case in (
        None,
        "",
        "kup-2026-000001",
        "KUP\x00-00001",
        "KUP1",
        "K" * 33,
        "KUP 2026 000001",
        "' OR 1=1 --",
    ):
        assert inputs.reg_no(names_no_case) is None, names_no_case
    with pytest.raises(InvalidCallbackInput):
        inputs.reg_no(20260001)


def test_objects_and_lists() -> None:
    assert inputs.mapping(None) == {} and inputs.mapping({"a": [1]}) == {"a": [1]}
    assert inputs.rows(None) == [] and inputs.rows([{}, {"reg_no": "X"}]) == [{}, {"reg_no": "X"}]
    assert inputs.texts(None) == [] and inputs.texts(["a", ""]) == ["a", ""]
    for parse, bad in (
        (inputs.mapping, []),
        (inputs.mapping, "x"),
        (inputs.rows, {}),
        (inputs.rows, [{}, 1]),
        (inputs.rows, "rows"),
        (inputs.texts, "ab"),
        (inputs.texts, ["a", None]),
        (inputs.texts, {"a": "b"}),
    ):
        with pytest.raises(InvalidCallbackInput):
            parse(bad)


def test_instants_are_utc_and_degrade_when_they_do_not_parse() -> None:
    bishkek = inputs.instant("2026-03-11T12:00:00+06:00")
    assert bishkek == datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
    assert bishkek is not None and bishkek.utcoffset() is not None
    assert inputs.instant("2026-03-11T06:00:00") == bishkek  # naive means UTC
    for degrades in (
        None,
        "",
        "not an instant",
        "2026-13-40",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
    ):
        assert inputs.instant(degrades) is None, degrades
    for bad in (1741672800, ["2026-03-11"], {"at": "2026-03-11"}):
        with pytest.raises(InvalidCallbackInput):
            inputs.instant(bad)


PARSERS: dict[str, tuple[Callable[[object], object], Callable[[object], bool]]] = {
    "text": (inputs.text, lambda r: r is None or (isinstance(r, str) and r != "")),
    "language": (inputs.language, lambda r: r in ("ru", "ky", "en")),
    "number": (inputs.number, lambda r: type(r) is int and abs(r) < 2**53),
    "reg_no": (inputs.reg_no, lambda r: r is None or isinstance(r, str)),
    "mapping": (inputs.mapping, lambda r: isinstance(r, dict)),
    "rows": (inputs.rows, lambda r: isinstance(r, list) and all(isinstance(i, dict) for i in r)),
    "texts": (inputs.texts, lambda r: isinstance(r, list) and all(isinstance(i, str) for i in r)),
    "numbers": (inputs.numbers, lambda r: isinstance(r, list) and all(type(i) is int for i in r)),
    "instant": (
        inputs.instant,
        lambda r: r is None or (isinstance(r, datetime) and r.utcoffset() is not None),
    ),
    "switch": (lambda v: inputs.switch(v, default=True), lambda r: isinstance(r, bool)),
}


def test_a_switch_is_true_or_false_its_default_for_null() -> None:
    assert inputs.switch(None, default=True) is True and inputs.switch(False, default=True) is False
    for forged in (0, 1, "true", [True]):
        with pytest.raises(InvalidCallbackInput, match="^expected true, false or null, got "):
            inputs.switch(forged, default=False)


@pytest.mark.parametrize("name", sorted(PARSERS))
@given(value=json_values)
def test_any_json_value_gives_the_declared_type_or_a_refusal(name: str, value: object) -> None:
    """Whatever a forged request carries: a value of the parser's type, or InvalidCallbackInput
    (what the console answers 400); never another exception (a 500)."""
    parse, of_its_type = PARSERS[name]
    try:
        result = parse(value)
    except InvalidCallbackInput as refused:
        assert str(refused).startswith("expected ")
    else:
        assert of_its_type(result), (value, result)
