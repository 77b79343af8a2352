"""A web process's memory of computed answers (response bodies), so that many readers asking the
same thing between two writes cost one computation, never a stale answer.

An answer is kept with what it was computed from: the store's change stamp as read before
computing it (data.change_stamp: every write of a case or counter replaces it, in the writer's
transaction) and the span of instants over which time passing leaves it alone, from the `now`
it was computed at up to the first instant that may change it (for the workload:
data.workload_counts.unchanged_until). It is served only to a request that reads the same
stamp, at an instant of that span, with the same key (which names the reader's scope and
parameters). A request that reads another stamp, or comes later, computes afresh; a write
committed while an answer was being computed leaves it under the older stamp, which no
reader after that commit reads.

Readers of one key wait for the one computing it (`computing`), instead of computing it
alongside: the 50 clients that arrive after a batch cost one computation, not 50.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

DEFAULT_SIZE = 512  # keys: a scope × a filter's values; few in practice


@dataclass(frozen=True)
class _Entry:
    stamp: str
    since: datetime
    until: datetime
    body: bytes


class AnswerCache:
    """Key -> the last answer computed for it, its stamp and span (at most `size` keys, the
    least recently used dropped first)."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, stamp: str, now: datetime) -> bytes | None:
        """The answer kept for `key` if it was computed under `stamp` and `now` lies in its
        span; None otherwise (the caller computes it and `put`s it)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.stamp != stamp or not entry.since <= now < entry.until:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry.body

    def put(self, key: Hashable, stamp: str, since: datetime, until: datetime, body: bytes) -> None:
        """Keep `body`, computed at `since` under `stamp`, as the answer to `key` for the
        instants before `until`."""
        with self._lock:
            self._entries[key] = _Entry(stamp, since, until, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    @contextmanager
    def computing(self, key: Hashable) -> Iterator[None]:
        """Hold `key`'s computation: another thread asking for it waits until this one is done
        (and then usually finds its answer with `get`)."""
        with self._lock:
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            yield
