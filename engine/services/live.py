"""Live instances kept between the commands of one process.

Completing a task loads the dossier's SpiffWorkflow instance from its stored state, steps
it and dumps it again. When the same process handled the dossier's previous command, the
instance it left behind is what loading would give back, so it is reused instead. An entry
is keyed by the dossier's row version: any write by another process (or another path of
this one) moves the version and the entry is no longer used. An entry is taken out while
a command works on it and put back only after that command committed, so a failed or
rolled-back command never leaves a half-stepped instance behind.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from engine.runtime import Instance


class LiveInstances:
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[int, tuple[int, int, Instance]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def take(self, dossier_id: int, row_version: int, definition_id: int) -> Instance | None:
        """The instance as stored under this row version, removed from the cache."""
        with self._lock:
            entry = self._items.pop(dossier_id, None)
            if entry is not None and entry[:2] == (row_version, definition_id):
                self.hits += 1
                return entry[2]
            self.misses += 1
            return None

    def keep(self, dossier_id: int, row_version: int, definition_id: int,
             instance: Instance) -> None:
        """Keep an instance just committed under `row_version` (not a finished or failed
        one: no command will step it again)."""
        if self._size <= 0 or instance.finished or instance.error:
            return
        with self._lock:
            self._items[dossier_id] = (row_version, definition_id, instance)
            self._items.move_to_end(dossier_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
