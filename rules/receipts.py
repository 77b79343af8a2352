"""The receipt code on the slip a complainant is given: derived from the registration number
with a server secret (HMAC-SHA256), so that nobody can compute the code of another number, nor
try numbers in sequence, without the secret (pure; no storage).

A code is 10 characters of Crockford's base32 (50 bits of the HMAC), printed in two groups,
"7K3QX-M0A9D". Typed back, it is read case-insensitively, spaces and dashes ignored, and the
letters Crockford reads as digits (I and L as 1, O as 0) accepted.
"""

from __future__ import annotations

import hashlib
import hmac

from rules.contract import REG_NO_RE

CODE_LENGTH = 10  # characters: 50 bits, 2**50 codes per number
GROUP = 5  # characters per printed group
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32 (no I, L, O, U)
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0"})
_IGNORED = str.maketrans("", "", " -\t\u00a0\u2010\u2011\u2012\u2013\u2014")
# Domain separation: the receipt key is not the key the server signs its cookies with.
_KEY_LABEL = b"kup-console receipt code v1"
MAX_INPUT = 64  # characters of a typed number or code looked at (longer: malformed)


def receipt_key(secret: str) -> bytes:
    """The key receipt codes are derived with, from a server secret (KUP_RECEIPT_SECRET, or
    the console's KUP_SECRET_KEY); ValueError for an empty secret."""
    if not secret:
        raise ValueError("the receipt secret is empty")
    return hmac.new(secret.encode(), _KEY_LABEL, hashlib.sha256).digest()


def receipt_code(reg_no: str, key: bytes) -> str:
    """The code of registration number `reg_no` under `key`, grouped: "7K3QX-M0A9D"."""
    digest = hmac.new(key, reg_no.encode(), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * CODE_LENGTH)
    chars = "".join(
        ALPHABET[(bits >> (5 * (CODE_LENGTH - 1 - i))) & 31] for i in range(CODE_LENGTH)
    )
    return f"{chars[:GROUP]}-{chars[GROUP:]}"


def parse_code(text: str) -> str | None:
    """A typed code in its printed form ("7K3QX-M0A9D"), or None when it cannot be one (wrong
    length or a character outside the alphabet)."""
    if len(text) > MAX_INPUT:
        return None
    chars = text.translate(_IGNORED).upper().translate(_READ_AS)
    if len(chars) != CODE_LENGTH or any(c not in ALPHABET for c in chars):
        return None
    return f"{chars[:GROUP]}-{chars[GROUP:]}"


def parse_reg_no(text: str) -> str | None:
    """A typed registration number as the registry writes it (upper case, no surrounding
    spaces), or None when it cannot be one (the contract's form of reg_no)."""
    reg_no = text.strip().upper()
    return reg_no if len(reg_no) <= MAX_INPUT and REG_NO_RE.fullmatch(reg_no) else None


def code_matches(reg_no: str, code: str, key: bytes) -> bool:
    """Whether `code` (a parsed code) is the code of `reg_no`, compared in constant time."""
    return hmac.compare_digest(receipt_code(reg_no, key).encode(), code.encode())
