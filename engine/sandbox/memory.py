"""Counting what diagram code allocates, in any thread, with `tracemalloc`.

`tracemalloc` is switched on only while some script or condition runs (its bookkeeping
slows every allocation of the process) and off again when the last one ends; if something
else had switched it on (a developer, a test), it is left on. It counts the process's
allocations, not one thread's: a script is charged for what other threads allocate and do
not free while it runs. The limit is set far above what a command's own work allocates
(dossier data is at most MOTCUA_MAX_DOSSIER_DATA_BYTES), so only runaway code reaches it.
"""
from __future__ import annotations

import threading
import tracemalloc

_lock = threading.Lock()
_users = 0
_ours = False


def start() -> int:
    """Begin counting for one call; returns the bytes traced now (the call's baseline)."""
    global _users, _ours
    with _lock:
        if _users == 0:
            _ours = not tracemalloc.is_tracing()
            if _ours:
                tracemalloc.start(1)
        _users += 1
    return traced()


def stop() -> None:
    """End one call's counting; the last call ending frees tracemalloc's own tables."""
    global _users
    with _lock:
        _users -= 1
        if _users == 0 and _ours:
            tracemalloc.stop()


def traced() -> int:
    """Bytes allocated since tracing began and not freed yet."""
    return tracemalloc.get_traced_memory()[0]
