"""Console users: accounts, password checks, the epoch that ends their sessions, and per-user
API tokens.

Passwords are hashed with scrypt (werkzeug); API tokens are random 256-bit secrets of which only
the sha256 is stored (they are high-entropy, so a fast hash suffices and allows lookup). Failed
logins are not counted here but in Redis, by account and address (data.login_throttle): a count
on the account let anyone lock any named account. Sessions live in Redis (data.sessions); each
carries the user's `session_epoch` of its login, which disabling the user or a new password
raises, so that every older session is void whatever Redis still holds.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from data.models import RegionRow, User
from rules import passwords
from rules.access import ROLES, Viewer

USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_PASSWORD_LENGTH = passwords.MAX_LENGTH
MAX_IDLE_MINUTES = 7 * 24 * 60  # a user's own idle timeout: a week at most
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
    has_token: bool
    created_at: datetime
    must_change_password: bool = False
    session_epoch: int = 0  # a session of another epoch is void
    idle_minutes: int | None = None  # the user's own idle timeout, None: the console's

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
        has_token=user.token_hash is not None,
        created_at=user.created_at,
        must_change_password=bool(user.must_change_password),
        session_epoch=user.session_epoch or 0,
        idle_minutes=user.idle_minutes,
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
    idle_minutes: int | None = None,
) -> UserInfo:
    """Create a user; ValueError for a bad name, role, region, weak password, idle timeout or a
    taken name."""
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
    _check_idle(idle_minutes)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(f"user {username!r} already exists")
    user = User(
        username=username,
        password_hash=generate_password_hash(password, method=_HASH_METHOD),
        role=role,
        region=region,
        disabled=False,
        created_at=now or datetime.now(UTC),
        must_change_password=False,
        session_epoch=0,
        idle_minutes=idle_minutes,
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


def _end_sessions(session: Session, user: User) -> None:
    """Void every session of `user` (they carry the old epoch), in the caller's transaction."""
    # Raised in SQL, so that two concurrent raises both count.
    session.execute(
        update(User).where(User.id == user.id).values(session_epoch=User.session_epoch + 1)
    )
    session.refresh(user)


def set_disabled(session: Session, username: str, disabled: bool) -> UserInfo:
    """Disable (or enable) a user; disabling also revokes the API token and ends every session
    (enabling again revives none)."""
    user = _require(session, username)
    user.disabled = disabled
    if disabled:
        user.token_hash = None
        _end_sessions(session, user)
    return _info(user)


def _check_idle(minutes: int | None) -> None:
    if minutes is not None and not 1 <= minutes <= MAX_IDLE_MINUTES:
        raise ValueError(f"idle minutes must be 1 to {MAX_IDLE_MINUTES} (a week)")


def set_idle_minutes(session: Session, username: str, minutes: int | None) -> UserInfo:
    """Give the user an idle timeout of their own (a wall screen's account), or with None the
    console's again; sessions opened from then on use it. ValueError outside 1..a week."""
    _check_idle(minutes)
    user = _require(session, username)
    user.idle_minutes = minutes
    return _info(user)


def session_epochs(session: Session, user_ids: Iterable[int]) -> dict[int, int]:
    """The session epoch of each of `user_ids` that exists and is enabled (a disabled or
    deleted user is absent: none of their sessions is valid)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.session_epoch).where(User.id.in_(ids), User.disabled.is_(False))
    )
    return {user_id: epoch or 0 for user_id, epoch in rows}


def set_password(session: Session, username: str, password: str) -> UserInfo:
    """Give the user a new password (the rule applies), lift a forced reset and end every
    session of the user (whoever changed it opens a new one). The API token is kept: it is a
    separate secret, revoked by `issue_token` or disabling the user."""
    user = _require(session, username)
    _check_password(password, username, enforce_strength=True)
    if check_password_hash(user.password_hash, password):
        raise PasswordRefused(SAME_AS_BEFORE)
    user.password_hash = generate_password_hash(password, method=_HASH_METHOD)
    user.must_change_password = False
    _end_sessions(session, user)
    return _info(user)


def change_password(session: Session, username: str, current: str, new: str) -> UserInfo:
    """The user's own change: PasswordRefused(WRONG_CURRENT) unless `current` is their password,
    else as `set_password`."""
    user = _require(session, username)
    if len(current) > MAX_PASSWORD_LENGTH or not check_password_hash(user.password_hash, current):
        raise PasswordRefused(WRONG_CURRENT)
    return set_password(session, username, new)


def force_reset(session: Session, username: str) -> UserInfo:
    """Make the user set a new password at their next login before anything else; their open
    sessions end (the account is believed compromised)."""
    user = _require(session, username)
    user.must_change_password = True
    _end_sessions(session, user)
    return _info(user)


@dataclass(frozen=True)
class LoginOutcome:
    """`user` when the login succeeded; otherwise why not ("unknown", "disabled",
    "bad_password"), which is for the audit log and never shown to the person logging in."""

    user: UserInfo | None
    reason: str


def authenticate(session: Session, username: str, password: str) -> LoginOutcome:
    """Check a password (an unknown user costs one scrypt too). Counting failures is the
    caller's (data.login_throttle), by account and address."""
    user = (
        session.scalar(select(User).where(User.username == username))
        if USERNAME_RE.fullmatch(username)
        else None
    )
    if user is None or len(password) > MAX_PASSWORD_LENGTH:
        check_password_hash(_DUMMY_HASH, password[:MAX_PASSWORD_LENGTH])
        return LoginOutcome(None, "unknown" if user is None else "bad_password")
    if not check_password_hash(user.password_hash, password):
        return LoginOutcome(None, "bad_password")
    if user.disabled:
        return LoginOutcome(None, "disabled")
    return LoginOutcome(_info(user), "ok")


def token_digest(token: str) -> str:
    """How an API token is stored and looked up (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, username: str) -> str:
    """A new API token for the user (replacing any previous one); shown once, stored hashed."""
    user = _require(session, username)
    if user.disabled:
        raise ValueError(f"user {username!r} is disabled")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user.token_hash = token_digest(token)
    return token


def user_by_token(session: Session, token: str) -> UserInfo | None:
    """The enabled user owning this API token, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    user = session.scalar(select(User).where(User.token_hash == token_digest(token)))
    return None if user is None or user.disabled else _info(user)
