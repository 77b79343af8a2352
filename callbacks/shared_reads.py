"""Reads shared by the pages of one push: each read once per web process for every page that
asks with the same key (the push's instant, the scope, the filters), the others wait and share
the result. Used by the live, overdue and workload callbacks."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Generic, TypeVar

SHARED_READS = 64  # results kept of each kind (feeds, point arrays, ...) of the latest flushes
SHARED_SKEW = timedelta(seconds=60)  # a push older or newer than this: each page reads its own
T = TypeVar("T")

_shared_lock = threading.Lock()  # one for every kind: a page waits for any read under way


class SharedReads(Generic[T]):
    """Results of one kind of read, each read once per process for every page asking with the
    same key (a flush's instant, the scope, ...): the other pages of the flush wait, then share
    it (not to be modified). The last SHARED_READS results are kept."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[object, ...], T] = OrderedDict()

    def get(self, key: tuple[object, ...], read: Callable[[], T]) -> T:
        """The result for `key`, from `read()` if it is not kept."""
        with _shared_lock:
            if key not in self._kept:
                self._kept[key] = read()
                while len(self._kept) > SHARED_READS:
                    self._kept.popitem(last=False)
            return self._kept[key]
