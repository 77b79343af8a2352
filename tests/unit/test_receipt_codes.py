"""The receipt code rule: deterministic, different for every secret and number, typed back
however people type it, refusing what cannot be a code or a number."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules.receipts import (
    ALPHABET,
    code_matches,
    parse_code,
    parse_reg_no,
    receipt_code,
    receipt_key,
)

KEY = receipt_key("a-secret-of-the-console")
REG_NO = "KUP-41711000000000-2026-000123"
reg_nos = st.from_regex(r"[A-Z0-9-]{6,32}", fullmatch=True)


def test_a_code_is_two_groups_of_five_crockford_characters() -> None:
    code = receipt_code(REG_NO, KEY)
    assert re.fullmatch(f"[{ALPHABET}]{{5}}-[{ALPHABET}]{{5}}", code)
    assert receipt_code(REG_NO, receipt_key("a-secret-of-the-console")) == code  # deterministic


def test_the_code_depends_on_the_secret_and_on_every_number() -> None:
    assert receipt_code(REG_NO, receipt_key("another secret")) != receipt_code(REG_NO, KEY)
    # sequential numbers: unrelated codes, none repeated
    codes = {receipt_code(f"KUP-41711000000000-2026-{n:06d}", KEY) for n in range(2000)}
    assert len(codes) == 2000
    # the key is not the secret itself (a code cannot be computed from the session key's use)
    assert receipt_key("s") != b"s" and len(receipt_key("s")) == 32


def test_an_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        receipt_key("")


@given(reg_nos)
def test_the_code_of_a_number_matches_it_alone(reg_no: str) -> None:
    code = receipt_code(reg_no, KEY)
    assert code_matches(reg_no, code, KEY)
    assert not code_matches(reg_no + "1", code, KEY) or receipt_code(reg_no + "1", KEY) == code
    assert parse_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "7k3qx-m0a9d",
        " 7K3QX M0A9D ",
        "7K3QXM0A9D",
        "7K3QX–M0A9D",
        "7k3qx-moa9d",
        "7K3QX\u00a0M0A9D",
    ],
)
def test_a_code_is_read_as_people_type_it(typed: str) -> None:
    assert parse_code(typed) == "7K3QX-M0A9D"


def test_i_and_l_read_as_one() -> None:
    assert parse_code("iL111-11111") == "11111-11111"


@pytest.mark.parametrize(
    "typed",
    ["", "7K3QX", "7K3QX-M0A9D1", "7K3QX-M0A9U", "7K3QX-M0A9*", "7K3QX" + " " * 100 + "M0A9D"],
)
def test_what_cannot_be_a_code_is_refused(typed: str) -> None:
    assert parse_code(typed) is None


def test_a_number_is_read_in_upper_case_and_refused_when_malformed() -> None:
    assert parse_reg_no(" kup-41711000000000-2026-000123 ") == REG_NO
    for typed in ("", "KUP", "KUP 41711", "KUP-41711000000000-2026-000123-X-Y-Z", "кир-123456"):
        assert parse_reg_no(typed) is None
