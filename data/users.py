"""Console users: accounts, password checks with lockout, and per-user API tokens.

Passwords are hashed with scrypt (werkzeug); API tokens are random 256-bit secrets of which only
the sha256 is stored (they are high-entropy, so a fast hash suffices and allows lookup).
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from data.models import RegionRow, User
from rules import passwords
from rules.access import ROLES, Viewer

USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_PASSWORD_LENGTH = passwords.MAX_LENGTH
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Refusals of a password change beyond the rule's (rules.passwords.REFUSALS).
WRONG_CURRENT = "wrong_current"
SAME_AS_BEFORE = "same_as_before"
TOKEN_PREFIX = "kup_"
_HASH_METHOD = "scrypt"
# Checked against when the user does not exist, so that both paths cost the same.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=_HASH_METHOD)


@dataclass(frozen=True)
class UserInfo:
    """A user as the rest of the console sees them (no hashes)."""

    id: int
    username: str
    role: str
    region: str | None
    disabled: bool
    locked_until: datetime | None
    has_token: bool
    created_at: datetime
    must_change_password: bool = False

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.username, self.role, self.region)


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        role=user.role,
        region=user.region,
        disabled=bool(user.disabled),
        locked_until=user.locked_until,
        has_token=user.token_hash is not None,
        created_at=user.created_at,
        must_change_password=bool(user.must_change_password),
    )


class PasswordRefused(ValueError):
    """A password the rule refuses; `code` is one of rules.passwords.REFUSALS (the words for it
    are the caller's: components.i18n `password.<code>`)."""

    def __init__(self, code: str) -> None:
        super().__init__(
            f"password refused ({code}): it needs at least {passwords.MIN_LENGTH} characters, "
            "not the user name, not a common password"
        )
        self.code = code


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of commonly used passwords (lower case), read once."""
    text = resources.files("data").joinpath("reference/common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line)


def _check_password(password: str, username: str, enforce_strength: bool) -> None:
    """PasswordRefused unless the rule accepts the password; without `enforce_strength` (the
    demo's users) only an empty or over-long one is refused."""
    if enforce_strength:
        code = passwords.refusal(password, username, common_passwords())
    elif len(password) > MAX_PASSWORD_LENGTH:
        code = passwords.TOO_LONG
    else:
        code = passwords.TOO_SHORT if not password else None
    if code is not None:
        raise PasswordRefused(code)


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    region: str | None = None,
    *,
    now: datetime | None = None,
    enforce_strength: bool = True,
) -> UserInfo:
    """Create a user; ValueError for a bad name, role, region, weak password or a taken name."""
    if not USERNAME_RE.fullmatch(username):
        raise ValueError(
            "username: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        )
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if region is not None and session.get(RegionRow, region) is None:
        known = ", ".join(session.scalars(select(RegionRow.code).order_by(RegionRow.code)))
        raise ValueError(f"unknown region {region!r}; known: {known}")
    _check_password(password, username, enforce_strength)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"user {username!r} already exists")
    user = User(
        username=username,
        password_hash=generate_password_hash(password, method=_HASH_METHOD),
        role=role,
        region=region,
        disabled=False,
        failed_logins=0,
        created_at=now or datetime.now(UTC),
        must_change_password=False,
    )
    session.add(user)
    session.flush()
    return _info(user)


def list_users(session: Session) -> list[UserInfo]:
    return [_info(u) for u in session.scalars(select(User).order_by(User.username))]


def get_user(session: Session, user_id: int) -> UserInfo | None:
    """The enabled user with this id, or None (a disabled user is logged out on next request)."""
    user = session.get(User, user_id)
    return None if user is None or user.disabled else _info(user)


def find_user(session: Session, username: str) -> UserInfo | None:
    user = session.scalar(select(User).where(User.username == username))
    return None if user is None else _info(user)


def _require(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(f"no user {username!r}")
    return user


def set_disabled(session: Session, username: str, disabled: bool) -> UserInfo:
    """Disable (or enable) a user; disabling also revokes the API token, enabling unlocks."""
    user = _require(session, username)
    user.disabled = disabled
    if disabled:
        user.token_hash = None
    else:
        user.failed_logins, user.locked_until = 0, None
    return _info(user)


def set_password(session: Session, username: str, password: str) -> UserInfo:
    """Give the user a new password (the rule applies) and lift a forced reset. The API token is
    kept: it is a separate secret, revoked by `issue_token` or disabling the user."""
    user = _require(session, username)
    _check_password(password, username, enforce_strength=True)
    if check_password_hash(user.password_hash, password):
        raise PasswordRefused(SAME_AS_BEFORE)
    user.password_hash = generate_password_hash(password, method=_HASH_METHOD)
    user.must_change_password = False
    return _info(user)


def change_password(session: Session, username: str, current: str, new: str) -> UserInfo:
    """The user's own change: PasswordRefused(WRONG_CURRENT) unless `current` is their password,
    else as `set_password`."""
    user = _require(session, username)
    if len(current) > MAX_PASSWORD_LENGTH or not check_password_hash(user.password_hash, current):
        raise PasswordRefused(WRONG_CURRENT)
    return set_password(session, username, new)


def force_reset(session: Session, username: str) -> UserInfo:
    """Make the user set a new password at their next login before anything else."""
    user = _require(session, username)
    user.must_change_password = True
    return _info(user)


@dataclass(frozen=True)
class LoginOutcome:
    """`user` when the login succeeded; otherwise why not ("unknown", "disabled", "locked",
    "bad_password"), which is for the audit log and never shown to the person logging in."""

    user: UserInfo | None
    reason: str


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
    max_failures: int = MAX_FAILED_LOGINS,
    lockout: timedelta = LOCKOUT,
) -> LoginOutcome:
    """Check a password; after `max_failures` wrong ones in a row the account is locked for
    `lockout` (no password is even checked while locked). Runs in the caller's transaction."""
    now = now or datetime.now(UTC)
    user = (
        session.scalar(select(User).where(User.username == username))
        if USERNAME_RE.fullmatch(username)
        else None
    )
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        check_password_hash(_DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
        return LoginOutcome(None, "unknown" if user is None else "bad_password")
    if user.locked_until is not None and user.locked_until > now:
        check_password_hash(_DUMMY_HASH, password)
        return LoginOutcome(None, "locked")
    if not check_password_hash(user.password_hash, password):
        failures = (user.failed_logins or 0) + 1
        if failures >= max_failures:
            session.execute(
                update(User)
                .where(User.id == user.id)
                .values(failed_logins=0, locked_until=now + lockout)
            )
        else:
            session.execute(
                update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
            )
        return LoginOutcome(None, "bad_password")
    if user.disabled:
        return LoginOutcome(None, "disabled")
    if user.failed_logins or user.locked_until is not None:
        user.failed_logins, user.locked_until = 0, None
    return LoginOutcome(_info(user), "ok")


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, username: str) -> str:
    """A new API token for the user (replacing any previous one); shown once, stored hashed."""
    user = _require(session, username)
    if user.disabled:
        raise ValueError(f"user {username!r} is disabled")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.token_hash = _token_digest(token)
    return token


def user_by_token(session: Session, token: str) -> UserInfo | None:
    """The enabled user owning this API token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    user = session.scalar(select(User).where(User.token_hash == _token_digest(token)))
    return None if user is None or user.disabled else _info(user)
