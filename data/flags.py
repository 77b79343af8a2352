"""Prosecutors' flags on cases: set, comment and clear (role and region checked here, on the
server), keeping `Case.flagged` in step and writing every change to the audit log.

A case has at most one active flag (a partial unique index, migration 0007): flagging a case
that has one adds the comment to it instead (`add_flag`: insert, or comment when the index
refuses the insert, so two prosecutors flagging at once still make one flag). Clearing takes a
comment too. A flag's history (`FlagInfo.history`) is its opening comment, the comments added,
and the clearing comment: who said what, when.

`FlagService` is the one flag service the API and the pages call: it records each change and its
audit entry ("flag", "flag_comment" or "unflag") in one writer transaction (a new flag
also queues the "flagged" notification, `data.notifications.enqueue`), then announces it on
the flags channel (`flags_channel`, beside ingest's changes channel), from which the web process
leading the push forwards it to every page that may see the case. `add_flag` and `clear_flag`
are its steps inside the caller's transaction (use a writer session: SQLite BEGIN IMMEDIATE).

An announcement is a JSON object {"reg_no", "region", "flagged", "flag_id", "at"} ("flagged":
whether the case still has an active flag; "at": ISO 8601 UTC).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from data import audit, notifications
from data.models import Case, Flag, FlagComment
from data.streams import StreamConfig
from rules.access import Viewer

log = logging.getLogger("kup.flags")

MAX_COMMENT_LENGTH = 2000

NoteKind = Literal["flag", "comment", "clear"]


@dataclass(frozen=True)
class FlagNote:
    """One entry of a flag's history: "flag" (the opening comment), "comment" (a later
    flagging of the case) or "clear" (the comment it was cleared with); who, when, what."""

    kind: NoteKind
    by: str
    at: datetime
    comment: str


@dataclass(frozen=True)
class FlagInfo:
    """One flag, active or cleared, with its history (oldest first)."""

    id: int
    reg_no: str
    comment: str
    created_by: str
    created_at: datetime
    cleared_by: str | None
    cleared_at: datetime | None
    cleared_comment: str | None
    history: tuple[FlagNote, ...]

    @property
    def active(self) -> bool:
        return self.cleared_at is None


def histories(session: Session, flags: Sequence[Flag]) -> dict[int, tuple[FlagNote, ...]]:
    """The history of each of these flags by id: opening comment, comments added (in the
    order they were added), clearing comment."""
    added: dict[int, list[FlagNote]] = {f.id: [] for f in flags}
    if added:
        for row in session.scalars(
            select(FlagComment).where(FlagComment.flag_id.in_(list(added))).order_by(FlagComment.id)
        ):
            added[row.flag_id].append(
                FlagNote("comment", row.created_by, row.created_at, row.comment)
            )
    result = {}
    for flag in flags:
        notes = [FlagNote("flag", flag.created_by, flag.created_at, flag.comment)]
        notes += added[flag.id]
        if flag.cleared_by is not None and flag.cleared_at is not None:
            notes.append(
                FlagNote("clear", flag.cleared_by, flag.cleared_at, flag.cleared_comment or "")
            )
        result[flag.id] = tuple(notes)
    return result


def _infos(session: Session, flags: Sequence[Flag]) -> list[FlagInfo]:
    notes = histories(session, flags)
    return [
        FlagInfo(
            id=flag.id,
            reg_no=flag.reg_no,
            comment=flag.comment,
            created_by=flag.created_by,
            created_at=flag.created_at,
            cleared_by=flag.cleared_by,
            cleared_at=flag.cleared_at,
            cleared_comment=flag.cleared_comment,
            history=notes[flag.id],
        )
        for flag in flags
    ]


def _info(session: Session, flag: Flag) -> FlagInfo:
    return _infos(session, [flag])[0]


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


def clean_comment(comment: object) -> str:
    """The comment stripped; ValueError if not a string, empty, too long or holding a NUL."""
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


def _active_flag(session: Session, reg_no: str) -> Flag | None:
    return session.scalar(select(Flag).where(Flag.reg_no == reg_no, Flag.cleared_at.is_(None)))


def flag_or_comment(
    session: Session, reg_no: str, by: str, text: str, now: datetime
) -> tuple[Flag, NoteKind]:
    """The case's active flag with `text` added: a new flag if it had none, else a comment on
    the one it has. The insert is tried first (in a savepoint): the unique index on active
    flags refuses a second, even one another transaction is committing now, and the comment
    goes to the flag that won. No checks of role or text: `add_flag` does those."""
    flag = Flag(reg_no=reg_no, comment=text, created_by=by, created_at=now)
    try:
        with session.begin_nested():
            session.add(flag)
    except IntegrityError:
        existing = _active_flag(session, reg_no)
        if existing is None:  # refused for another reason
            raise
        session.add(FlagComment(flag_id=existing.id, comment=text, created_by=by, created_at=now))
        session.flush()
        return existing, "comment"
    return flag, "flag"


def add_flag(
    session: Session, viewer: Viewer, reg_no: str, comment: object, now: datetime | None = None
) -> FlagInfo:
    """Flag a case with a comment, or add the comment to its active flag (`history[-1]` is the
    note added: "flag" or "comment"). PermissionError for other roles, LookupError for a case
    the viewer cannot see, ValueError for a bad comment."""
    case = _editable_case(session, viewer, reg_no)
    text = clean_comment(comment)
    now = now or datetime.now(UTC)
    flag, kind = flag_or_comment(session, case.reg_no, viewer.username, text, now)
    case.flagged = True
    session.flush()
    action = "flag" if kind == "flag" else "flag_comment"
    audit.record(
        session, viewer.username, action, case.reg_no, {"flag_id": flag.id, "comment": text}, now
    )
    if kind == "flag":  # subscribers to "flagged" hear of it when this transaction commits
        notifications.enqueue(
            session,
            "flagged",
            reg_no=case.reg_no,
            district=case.district,
            region=case.region,
            at=now,
            actor=viewer.username,
            detail=text,
            key=str(flag.id),
        )
    return _info(session, flag)


def clear_flag(
    session: Session,
    viewer: Viewer,
    reg_no: str,
    flag_id: int,
    comment: object,
    now: datetime | None = None,
) -> FlagInfo:
    """Clear the case's active flag with a comment (kept, marked cleared); ValueError for a
    bad comment, LookupError if it is not the case's active flag, as `add_flag` otherwise."""
    case = _editable_case(session, viewer, reg_no)
    text = clean_comment(comment)
    flag = _active_flag(session, case.reg_no)
    if flag is None or flag.id != flag_id:
        raise LookupError(f"no active flag {flag_id} on case {reg_no}")
    now = now or datetime.now(UTC)
    flag.cleared_by, flag.cleared_at, flag.cleared_comment = viewer.username, now, text
    case.flagged = False
    session.flush()
    audit.record(
        session, viewer.username, "unflag", case.reg_no, {"flag_id": flag.id, "comment": text}, now
    )
    return _info(session, flag)


def flags_of(session: Session, reg_no: str) -> list[FlagInfo]:
    """Every flag of a case with its history, newest first (cleared ones included)."""
    return _infos(
        session,
        list(
            session.scalars(
                select(Flag)
                .where(Flag.reg_no == reg_no)
                .order_by(Flag.created_at.desc(), Flag.id.desc())
            )
        ),
    )


def active_flag(session: Session, viewer: Viewer, reg_no: str) -> FlagInfo | None:
    """The active flag of a case the viewer may see, with its history (None if it has none or
    the viewer may not see it)."""
    case = visible_case(session, viewer, reg_no)
    flag = _active_flag(session, case.reg_no) if case is not None else None
    return _info(session, flag) if flag is not None else None


@dataclass(frozen=True)
class FlagChange:
    """A flag set, commented or cleared, with what the pages that show its case need to
    hear (`flag.history[-1]`: the note this change added)."""

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
            "at": self.flag.history[-1].at.astimezone(UTC).isoformat(),
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
        """Flag a case (or comment on its active flag); raises as `add_flag` does."""
        return self._apply(viewer, lambda session: add_flag(session, viewer, reg_no, comment, now))

    def clear(
        self,
        viewer: Viewer,
        reg_no: str,
        flag_id: int,
        comment: object,
        now: datetime | None = None,
    ) -> FlagChange:
        """Clear an active flag with a comment; raises as `clear_flag` does."""
        return self._apply(
            viewer, lambda session: clear_flag(session, viewer, reg_no, flag_id, comment, now)
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
