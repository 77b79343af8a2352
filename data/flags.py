"""Prosecutors' flags on cases: set and clear (role and region checked here, on the server),
keeping `Case.flagged` in step and writing every change to the audit log.

`FlagService` is the one flag service the API and the pages call: it records each change and its
audit entry in one writer transaction, then announces it on the flags channel (`flags_channel`,
beside ingest's changes channel), from which the web process leading the push forwards it to
every page that may see the case. `add_flag` and `clear_flag` are its steps inside the caller's
transaction (use a writer session: SQLite BEGIN IMMEDIATE).

An announcement is a JSON object {"reg_no", "region", "flagged", "flag_id", "at"} ("flagged":
whether the case still has an active flag; "at": ISO 8601 UTC).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data import audit
from data.models import Case, Flag
from data.streams import StreamConfig
from rules.access import Viewer

log = logging.getLogger("kup.flags")

MAX_COMMENT_LENGTH = 2000


@dataclass(frozen=True)
class FlagInfo:
    """One flag, active or cleared."""

    id: int
    reg_no: str
    comment: str
    created_by: str
    created_at: datetime
    cleared_by: str | None
    cleared_at: datetime | None

    @property
    def active(self) -> bool:
        return self.cleared_at is None


def _info(flag: Flag) -> FlagInfo:
    return FlagInfo(
        id=flag.id,
        reg_no=flag.reg_no,
        comment=flag.comment,
        created_by=flag.created_by,
        created_at=flag.created_at,
        cleared_by=flag.cleared_by,
        cleared_at=flag.cleared_at,
    )


def visible_case(
    session: Session, viewer: Viewer, reg_no: str, *, for_update: bool = False
) -> Case | None:
    """The case if it exists and the viewer may see it (None either way otherwise: a case of
    another region is indistinguishable from a missing one)."""
    query = select(Case).where(Case.reg_no == reg_no)
    if viewer.region is not None:
        query = query.where(Case.region == viewer.region)
    if for_update:
        query = query.with_for_update()
    return session.scalar(query)


def _clean_comment(comment: object) -> str:
    if not isinstance(comment, str):
        raise ValueError("comment must be a string")
    text = comment.strip()
    if not text:
        raise ValueError("comment must not be empty")
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValueError(f"comment longer than {MAX_COMMENT_LENGTH} characters")
    if "\x00" in text:
        raise ValueError("comment contains a NUL character")
    return text


def _editable_case(session: Session, viewer: Viewer, reg_no: str) -> Case:
    if not viewer.can_flag:
        raise PermissionError("only prosecutors and admins may set or clear flags")
    case = visible_case(session, viewer, reg_no, for_update=True)
    if case is None:
        raise LookupError(f"no case {reg_no}")
    return case


def add_flag(
    session: Session, viewer: Viewer, reg_no: str, comment: object, now: datetime | None = None
) -> FlagInfo:
    """Flag a case with a comment. PermissionError for other roles, LookupError for a case the
    viewer cannot see, ValueError for a bad comment."""
    case = _editable_case(session, viewer, reg_no)
    text = _clean_comment(comment)
    now = now or datetime.now(UTC)
    flag = Flag(reg_no=case.reg_no, comment=text, created_by=viewer.username, created_at=now)
    session.add(flag)
    case.flagged = True
    session.flush()
    audit.record(
        session, viewer.username, "flag", case.reg_no, {"flag_id": flag.id, "comment": text}, now
    )
    return _info(flag)


def clear_flag(
    session: Session, viewer: Viewer, reg_no: str, flag_id: int, now: datetime | None = None
) -> FlagInfo:
    """Clear an active flag (kept, marked cleared); the case stays flagged while others remain."""
    case = _editable_case(session, viewer, reg_no)
    flag = session.scalar(
        select(Flag).where(
            Flag.id == flag_id, Flag.reg_no == case.reg_no, Flag.cleared_at.is_(None)
        )
    )
    if flag is None:
        raise LookupError(f"no active flag {flag_id} on case {reg_no}")
    now = now or datetime.now(UTC)
    flag.cleared_by, flag.cleared_at = viewer.username, now
    session.flush()
    case.flagged = bool(
        session.scalar(
            select(func.count())
            .select_from(Flag)
            .where(Flag.reg_no == case.reg_no, Flag.cleared_at.is_(None))
        )
    )
    audit.record(session, viewer.username, "unflag", case.reg_no, {"flag_id": flag.id}, now)
    return _info(flag)


def flags_of(session: Session, reg_no: str) -> list[FlagInfo]:
    """Every flag of a case, oldest first (cleared ones included)."""
    return [
        _info(f)
        for f in session.scalars(
            select(Flag).where(Flag.reg_no == reg_no).order_by(Flag.created_at, Flag.id)
        )
    ]


@dataclass(frozen=True)
class FlagChange:
    """A flag set or cleared, with what the pages that show its case need to hear."""

    flag: FlagInfo
    region: str  # the case's region: who may hear of it
    flagged: bool  # whether the case still has an active flag

    def announcement(self) -> dict[str, object]:
        """The JSON object published on the flags channel."""
        return {
            "reg_no": self.flag.reg_no,
            "region": self.region,
            "flagged": self.flagged,
            "flag_id": self.flag.id,
            "at": (self.flag.cleared_at or self.flag.created_at).astimezone(UTC).isoformat(),
        }


def flags_channel(config: StreamConfig) -> str:
    """The pub/sub channel flag changes are announced on (a sibling of ingest's)."""
    return f"{config.changes_channel}:flags"


@dataclass(frozen=True)
class FlagService:
    """The one way the API and the pages set and clear flags: record the change and its audit
    entry in one writer transaction, then announce it on the flags channel (`client`: the
    stream's Redis; None announces nothing, for tools without Redis)."""

    writer: sessionmaker[Session]
    client: redis.Redis | None
    config: StreamConfig

    def set(
        self, viewer: Viewer, reg_no: str, comment: object, now: datetime | None = None
    ) -> FlagChange:
        """Flag a case; raises as `add_flag` does."""
        return self._apply(viewer, lambda session: add_flag(session, viewer, reg_no, comment, now))

    def clear(
        self, viewer: Viewer, reg_no: str, flag_id: int, now: datetime | None = None
    ) -> FlagChange:
        """Clear an active flag; raises as `clear_flag` does."""
        return self._apply(
            viewer, lambda session: clear_flag(session, viewer, reg_no, flag_id, now)
        )

    def _apply(self, viewer: Viewer, step: Callable[[Session], FlagInfo]) -> FlagChange:
        with self.writer.begin() as session:
            flag = step(session)
            change = _change(session, viewer, flag)
        announce(self.client, self.config, change)
        return change


def _change(session: Session, viewer: Viewer, flag: FlagInfo) -> FlagChange:
    case = visible_case(session, viewer, flag.reg_no)
    assert case is not None, "the case was just changed in this transaction"
    return FlagChange(flag, case.region, bool(case.flagged))


def announce(client: redis.Redis | None, config: StreamConfig, change: FlagChange) -> None:
    """Publish `change` on the flags channel. The change is stored already: Redis trouble is
    logged, not raised (pages then see it at their next refresh or resync); without a client
    (a tool with no Redis) nothing is announced."""
    if client is None:
        return
    try:
        client.publish(flags_channel(config), json.dumps(change.announcement()))
    except (redis.RedisError, OSError) as exc:
        log.warning("flag change on %s not announced (%s)", change.flag.reg_no, type(exc).__name__)
