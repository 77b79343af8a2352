"""The ingest worker: a consumer in the group that stores every entry exactly once.

Loop: read a batch (first this consumer's own pending entries, then entries abandoned by dead
consumers, then new ones), apply it in one database transaction, then atomically dead-letter the
rejected entries and XACK the batch, then announce the change. Nothing is acknowledged before it
is committed; on any Redis or database failure the worker backs off and starts again from its
own pending entries. An entry that makes its batch fail for a reason that retrying cannot cure
(not an outage) is isolated and dead-lettered, so one bad entry never stops ingest.

The worker also watches the stream for gaps (see `data.ingest_state`): entries trimmed before
the group read them, and a stream that vanished with unread entries (Redis lost its data).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import redis
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from data import ingest_state, streams
from data.db import lock_writers, make_sessionmaker, writer_engine
from data.deadletters import UNSTORABLE_FIELDS
from data.ingest_state import IngestFreshness, StreamGap, ingest_freshness, read_gaps
from data.intake import (
    BatchOutcome,
    IntakeRules,
    Rejection,
    StreamEntry,
    apply_batch,
    printable_fields,
)
from data.models import DeadLetter
from data.reference import load_geography
from rules.clock import DEFAULT_TZ, zone
from rules.contract import ContractError, decode_fields, validate_event
from rules.deadlines import DEFAULT_RULE_SET, get_rule_set

__all__ = [
    "IngestWorker",
    "IngestStats",
    "intake_rules",
    "read_gaps",
    "ingest_freshness",
    "StreamGap",
    "IngestFreshness",
]

log = logging.getLogger("kup.ingest")
MAX_BACKOFF_S = 10.0
FEED_ITEMS_PER_ANNOUNCEMENT = 200
STORE_ATTEMPTS = 5
_OUTAGE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def intake_rules(tz: str = DEFAULT_TZ, rule_set: str = DEFAULT_RULE_SET) -> IntakeRules:
    """Validation and deadline context: the time zone and rule set named, and the reference
    geography."""
    geo = load_geography()
    return IntakeRules(
        districts=frozenset(geo.districts),
        region_of={s: d.region for s, d in geo.districts.items()},
        tz=zone(tz),
        rules=get_rule_set(rule_set),
    )


def is_outage(exc: BaseException) -> bool:
    """Database trouble that waiting cures (connection lost, locked, pool exhausted), as
    opposed to an entry the store refuses whatever the number of attempts."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _OUTAGE)


@dataclass
class IngestStats:
    """Running totals of one worker (exported as metrics)."""

    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    isolated: int = 0  # entries dead-lettered because the store refused them
    gaps: int = 0
    errors: int = 0
    last_batch_at: float | None = None
    by_type: dict[str, int] = field(default_factory=dict)


class IngestWorker:
    """One consumer of the group; `run()` until `stop` is set (SIGTERM/SIGINT set it)."""

    def __init__(
        self,
        config: streams.StreamConfig,
        consumer: str,
        rules: IntakeRules,
        engine: Engine,
        redis_url: str,
        on_batch: Callable[[BatchOutcome], None] | None = None,
    ) -> None:
        self.config = config
        self.redis = streams.connect(redis_url)
        self.sessions = make_sessionmaker(writer_engine(engine))
        self.rules = rules
        self.consumer = consumer
        self.stop = threading.Event()
        self.stats = IngestStats()
        self.on_batch = on_batch
        self.identity: str | None = None
        self._read_pending = True
        self._last_claim = 0.0

    def run(self) -> None:
        """Consume until stopped; never raises for Redis or database trouble, nor for a bug
        met on some entry (logged, retried with backoff)."""
        backoff = 0.5
        log.info(
            "ingest worker %s reading %s as group %s",
            self.consumer,
            self.config.stream,
            self.config.group,
        )
        while not self.stop.is_set():
            try:
                self.step()
                backoff = 0.5
                continue
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                self._trouble("Redis unavailable", exc, backoff)
            except redis.ResponseError as exc:
                if streams.group_missing(exc):
                    self._read_pending = True  # stream or group gone: check, then recreate
                    continue
                self._trouble("Redis error", exc, backoff)
            except SQLAlchemyError as exc:
                self._trouble("database unavailable", exc, backoff)
            except Exception as exc:  # a bug must not stop ingest for good: log, retry later
                log.exception("unexpected error in the ingest loop")
                self._trouble("unexpected error", exc, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_S)
        log.info(
            "ingest worker %s stopped: %s stored, %s duplicates, %s dead letters",
            self.consumer,
            self.stats.stored,
            self.stats.duplicates,
            self.stats.rejected,
        )

    def _trouble(self, what: str, exc: Exception, backoff: float) -> None:
        self.stats.errors += 1
        self._read_pending = True  # redo our unacknowledged entries first
        log.warning("%s (%s); retrying in %.1fs", what, type(exc).__name__, backoff)
        self.stop.wait(backoff)

    def step(self) -> int:
        """Read and process one batch; return the number of entries handled."""
        if self._read_pending:
            self._prepare()
            entries = streams.read_group(self.redis, self.config, self.consumer, pending=True)
            if not entries:
                self._read_pending = False
            else:
                self.process(entries)
            return len(entries)
        entries = self._claim_if_due()
        if self._read_pending:
            return 0  # the next step checks the stream (_prepare)
        view = None
        if not entries:
            batch = streams.read_new(self.redis, self.config, self.consumer)
            if batch.group_missing or batch.identity != self.identity:
                self._read_pending = True  # Redis lost data or the stream changed: re-check
                return 0
            view = batch.view
            assert view is not None
            self._check_trim(view)
            entries = batch.entries
            if not entries:
                view = None
                entries = streams.read_group(self.redis, self.config, self.consumer, pending=False)
        if entries:
            self.process(entries, view)
        return len(entries)

    # --- the stream's identity and gaps ----------------------------------------------------

    def _prepare(self) -> None:
        """On start and after trouble: check the stream is the one ingest was reading (record
        a gap if it vanished with entries not stored), then make sure the group exists."""
        found = streams.stream_identity(self.redis, self.config)
        view = streams.stream_view(self.redis, self.config)
        token = found or streams.create_identity(self.redis, self.config)
        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            lock_writers(session)
            state = ingest_state.load_state(session, self.config.stream)
            vanished = self._vanished(state, found, view)
            if vanished:
                gap = ingest_state.vanish_gap(state, now)
                if ingest_state.record_gap(session, gap):
                    self._gap_found(gap)
            if state.identity != token:
                if vanished or (found is not None and state.identity is not None):
                    state.read_count = state.backlog = 0  # they counted the stream that was
                state.identity = token
                ingest_state.save_state(session, state)
        self.identity = token
        streams.ensure_group(self.redis, self.config.stream, self.config.group)

    @staticmethod
    def _vanished(
        state: ingest_state.IngestState, found: str | None, view: streams.StreamView | None
    ) -> bool:
        if state.identity is None or state.last_id is None:
            return False  # nothing stored from this stream yet: nothing could be missed
        if view is None:
            return True  # the stream is gone
        if found is None:  # token missing: lost unless the group still stands where it was
            return not (
                view.group_exists
                and streams.parse_id(view.last_delivered_id) >= streams.parse_id(state.last_id)
            )
        return found != state.identity

    def _check_trim(self, view: streams.StreamView) -> None:
        loss = streams.trimmed_unread(view)
        if loss is None:
            return
        with self.sessions.begin() as session:
            lock_writers(session)
            state = ingest_state.load_state(session, self.config.stream)
            gap = ingest_state.trim_gap(state, loss, view, datetime.now(UTC))
            if ingest_state.record_gap(session, gap):
                self._gap_found(gap)

    def _gap_found(self, gap: StreamGap) -> None:
        self.stats.gaps += 1
        log.error(
            "gap in stream %s: kind %s, lost %s (exact: %s), since %s, after entry %s",
            gap.stream,
            gap.kind,
            gap.count,
            gap.count_exact,
            gap.since,
            gap.after_id,
        )

    def _claim_if_due(self) -> list[StreamEntry]:
        now = time.monotonic()
        if now - self._last_claim < self.config.claim_idle_ms / 2000:
            return []
        self._last_claim = now
        try:
            claimed = streams.claim_abandoned(self.redis, self.config, self.consumer)
        except redis.ResponseError as exc:
            if not streams.group_missing(exc):
                raise
            self._read_pending = True  # the stream or its group is gone: check, recreate
            return []
        if claimed:
            log.info("reclaimed %d entries left pending by another consumer", len(claimed))
        return claimed

    # --- storing ---------------------------------------------------------------------------

    def process(
        self, entries: list[StreamEntry], view: streams.StreamView | None = None
    ) -> BatchOutcome:
        """Store one batch (one transaction), then dead-letter and acknowledge it atomically.
        `view`: the stream as it was when the batch was read (for the backlog floor)."""
        outcome = self._store(entries, view)
        streams.dead_letter_and_ack(self.redis, self.config, outcome.rejected, entries)
        self._count(outcome)
        self._announce(outcome)
        return outcome

    def _store(
        self, entries: Sequence[StreamEntry], view: streams.StreamView | None
    ) -> BatchOutcome:
        """Commit the batch; if the store refuses it for a reason that is not an outage, split
        it until the entry responsible is alone, and dead-letter that entry."""
        try:
            return self._commit(entries, view)
        except Exception as exc:
            if is_outage(exc):
                raise
            if len(entries) == 1:
                return self._isolate(entries[0], exc, view)
            log.warning(
                "a batch of %d entries failed (%s); isolating the entry responsible",
                len(entries),
                type(exc).__name__,
            )
            middle = len(entries) // 2
            return _merge(self._store(entries[:middle], view), self._store(entries[middle:], view))

    def _commit(
        self, entries: Sequence[StreamEntry], view: streams.StreamView | None
    ) -> BatchOutcome:
        for attempt in range(STORE_ATTEMPTS):
            try:
                with self.sessions.begin() as session:
                    outcome = apply_batch(session, entries, self.rules)
                    self._note(session, entries, view)
                    return outcome
            except (IntegrityError, OperationalError) as exc:
                # Another worker stored the same event_id first, or SQLite is busy: retry.
                if attempt == STORE_ATTEMPTS - 1:
                    raise
                log.info("batch retried after %s", type(exc).__name__)
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _note(
        self, session: Session, entries: Sequence[StreamEntry], view: streams.StreamView | None
    ) -> None:
        more = (
            view is not None
            and view.last_id is not None
            and (streams.parse_id(view.last_id) > streams.parse_id(entries[-1].stream_id))
        )
        ingest_state.note_batch(
            session, self.config.stream, [e.stream_id for e in entries], view, more=more
        )

    def _isolate(
        self, entry: StreamEntry, exc: Exception, view: streams.StreamView | None
    ) -> BatchOutcome:
        """Dead-letter an entry the store refused: with its contract error if it breaks the
        contract, else naming the failure (the fields themselves stay out of the log)."""
        log.error(
            "entry %s could not be stored (%s); dead-lettered", entry.stream_id, type(exc).__name__
        )
        rejection = Rejection(entry, *_isolation_error(entry, exc, self.rules))
        fields_options = (printable_fields(entry.fields), UNSTORABLE_FIELDS)
        for fields in fields_options:
            try:
                with self.sessions.begin() as session:
                    lock_writers(session)
                    known = session.scalar(
                        select(DeadLetter.id).where(DeadLetter.source_id == entry.stream_id)
                    )
                    if known is None:
                        session.execute(
                            insert(DeadLetter),
                            [
                                {
                                    "source_id": entry.stream_id,
                                    "stream": "",
                                    "error": rejection.error,
                                    "field": rejection.field,
                                    "fields": fields,
                                    "received_at": datetime.now(UTC),
                                }
                            ],
                        )
                    self._note(session, [entry], view)
                break
            except Exception as second:
                if is_outage(second) or fields is fields_options[-1]:
                    raise
        self.stats.isolated += 1
        return BatchOutcome(rejected=[rejection])

    def _count(self, outcome: BatchOutcome) -> None:
        self.stats.batches += 1
        self.stats.stored += outcome.stored
        self.stats.duplicates += outcome.duplicates
        self.stats.rejected += len(outcome.rejected)
        self.stats.last_batch_at = time.time()
        if self.on_batch:
            self.on_batch(outcome)

    def _announce(self, outcome: BatchOutcome) -> None:
        if not (outcome.changed or outcome.rejected):
            return
        feed = [
            {
                "reg_no": c.reg_no,
                "district": c.district,
                "region": self.rules.region_of[c.district],
                "category": c.category,
                "kind": c.kind,
                "registered_at": c.registered_at.isoformat(),
                "lat": c.lat,
                "lon": c.lon,
            }
            for c in outcome.registered[-FEED_ITEMS_PER_ANNOUNCEMENT:]
        ]
        message = {
            "at": datetime.now(UTC).isoformat(),
            "registered": feed,
            "registered_count": len(outcome.registered),
            "changed": len(outcome.changed),
            "rejected": len(outcome.rejected),
            "changed_regions": outcome.changed_regions,
            "regions": sorted({self.rules.region_of[c.district] for c in outcome.registered}),
        }
        try:
            streams.announce(self.redis, self.config, message)
        except redis.RedisError as exc:  # stored and acked already; pages catch up on reconnect
            log.warning("could not announce a batch (%s)", type(exc).__name__)


def _merge(first: BatchOutcome, second: BatchOutcome) -> BatchOutcome:
    return BatchOutcome(
        stored=first.stored + second.stored,
        duplicates=first.duplicates + second.duplicates,
        waiting=first.waiting + second.waiting,
        rejected=first.rejected + second.rejected,
        registered=first.registered + second.registered,
        changed=first.changed | second.changed,
        changed_regions=dict(Counter(first.changed_regions) + Counter(second.changed_regions)),
    )


def _isolation_error(entry: StreamEntry, exc: Exception, rules: IntakeRules) -> tuple[str, str]:
    """(error, field) of an entry the store refused: its contract error if it has one."""
    source = f"(source_id {entry.stream_id})"
    if not entry.fields:
        return f"entry: no fields {source}", "entry"
    try:
        validate_event(decode_fields(entry.fields), rules.districts)
    except ContractError as contract:
        return _safe(f"{contract} {source}"), _safe(contract.field)[:80]
    except Exception:
        pass
    return f"entry: the store refused it ({type(exc).__name__}) {source}", "entry"


def _safe(text: str) -> str:
    """Text any database accepts (PostgreSQL refuses NUL characters)."""
    return text.replace("\x00", "\\x00")
