"""The password rule (rules.passwords) and the shipped list of common passwords."""

from __future__ import annotations

import pytest

from data.users import common_passwords
from rules import passwords

COMMON = frozenset({"qwerty123456", "leavemealone"})


@pytest.mark.parametrize(
    ("password", "username", "code"),
    [
        ("", "ivanova", passwords.TOO_SHORT),
        ("x" * (passwords.MIN_LENGTH - 1), "ivanova", passwords.TOO_SHORT),
        ("x" * (passwords.MAX_LENGTH + 1), "ivanova", passwords.TOO_LONG),
        ("ivanova-ivanova", "ivanova", passwords.HAS_USERNAME),
        ("my name is IVANOVA!", "ivanova", passwords.HAS_USERNAME),
        ("Ivanova.2026.pass", "IVANOVA", passwords.HAS_USERNAME),
        ("qwerty123456", "ivanova", passwords.COMMON),
        ("LeaveMeAlone", "ivanova", passwords.COMMON),
    ],
)
def test_refusals(password: str, username: str, code: str) -> None:
    assert passwords.refusal(password, username, COMMON) == code


@pytest.mark.parametrize(
    "password",
    [
        "x" * passwords.MIN_LENGTH,  # exactly the minimum
        "x" * passwords.MAX_LENGTH,  # exactly the maximum
        "синий трактор едет в Ош",  # a passphrase, not in the list, any script
        "ivanov is not me",  # a part of the user name is not the name
    ],
)
def test_accepted(password: str) -> None:
    assert passwords.refusal(password, "ivanova", COMMON) is None


def test_every_code_is_listed() -> None:
    assert set(passwords.REFUSALS) == {
        passwords.TOO_SHORT,
        passwords.TOO_LONG,
        passwords.HAS_USERNAME,
        passwords.COMMON,
    }


def test_shipped_list_is_loaded_once_in_lower_case() -> None:
    shipped = common_passwords()
    assert shipped is common_passwords()
    assert len(shipped) >= 10_000
    assert {"123456", "password", "qwerty", "1qaz2wsx3edc", "qwerty123456"} <= shipped
    assert all(p == p.lower() for p in shipped)
    assert passwords.refusal("1QAZ2WSX3EDC", "ivanova", shipped) == passwords.COMMON
    assert passwords.refusal("correct horse battery staple", "ivanova", shipped) is None
