"""The password rule (NIST SP 800-63B, 5.1.1.2): long enough, not the user's own name, not a
commonly used password. Pure: it answers with a refusal code, and the words for each code are
added where the refusal is shown (components.i18n for pages, the CLI's messages)."""

from __future__ import annotations

from collections.abc import Container
from typing import Final

MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 1024
# Why a password is refused; None from `refusal` means it is accepted.
TOO_SHORT: Final = "too_short"
TOO_LONG: Final = "too_long"
HAS_USERNAME: Final = "has_username"
COMMON: Final = "common"
REFUSALS: Final = (TOO_SHORT, TOO_LONG, HAS_USERNAME, COMMON)


def refusal(password: str, username: str, common: Container[str]) -> str | None:
    """Why `password` may not be `username`'s password (a code of REFUSALS), or None if it may.

    `common` holds the commonly used passwords in lower case; the name and the list are matched
    ignoring case, and the name anywhere inside the password counts as the name."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    folded = password.casefold()
    if username and username.casefold() in folded:
        return HAS_USERNAME
    if folded in common:
        return COMMON
    return None
