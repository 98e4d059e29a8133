"""What the web admin computes from the store, kept while the store's data stands still.

At a federation's size (2,500 units, 300,000 messages) a plan's progress takes
0.2–0.5 s to compute and the dashboard's table another 0.1 s to draw: every
request paying that breaks the 200 ms a page may take. The store's generation
(migration 0016) grows with every write to what the progress is computed from,
in any process, so a result kept under the generation it was computed at is
exactly right for as long as that generation is the store's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from store import Store

T = TypeVar("T")

KEPT_MAX = 32  # results of one generation: (plan, day) progresses, pages and charts by scope


class Kept:
    """A small cache emptied whenever the store's generation moves."""

    def __init__(self, store: Callable[[], Store], size: int = KEPT_MAX) -> None:
        self._store = store
        self._size = size
        self._lock = threading.Lock()
        self._generation = -1
        self._values: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``'s value for ``key``: kept, or computed and kept."""
        # Read before what it stands for: a value computed now is at least that new.
        generation = self._store().generation()
        if generation is None:
            return compute()
        with self._lock:
            if generation > self._generation:
                self._values.clear()
                self._generation = generation
            elif generation == self._generation and key in self._values:
                self._values.move_to_end(key)
                value: T = self._values[key]
                return value
        value = compute()
        with self._lock:
            # A thread that read a newer generation meanwhile has emptied the cache:
            # this older value is returned, not kept.
            if generation == self._generation:
                self._values[key] = value
                while len(self._values) > self._size:
                    self._values.popitem(last=False)
        return value
