"""Stopping diagram code that runs too long or allocates too much, in any thread.

`signal.alarm` only works in the main thread, and gunicorn and dramatiq run our code in
others; `RLIMIT_AS` would bound the whole server, not one script. Instead a `sys.settrace`
hook, installed only for the duration of the call (and only in the calling thread), checks a
deadline and the memory the call has allocated (`memory.py`) on every instruction executed in
sandboxed frames, and raises `SandboxViolation` once either is passed. It listens to opcode
events, not line events: CPython 3.11 emits no line event for a one-line loop such as
``while True: pass``. The previous tracer (a debugger, coverage) is restored afterwards.

Limits: time spent inside one C call (``sorted`` of a huge list, a pathological regular
expression) is not interrupted, and what one C call allocates is counted once it returns;
the policy and guards keep such inputs small (a repetition builds at most 10 million items).
CPython removes a trace hook that raised, which is why the policy makes the violation
uncatchable by scripts.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from . import memory
from .compiler import FILENAME
from .errors import SandboxViolation

_Tracer = Callable[[FrameType, str, Any], Any]
MB = 1024 * 1024


@contextmanager
def time_bound(limit: float, memory_limit: int | None = None) -> Iterator[None]:
    """Run the body with sandboxed frames stopped after `limit` seconds, or once they have
    allocated more than `memory_limit` megabytes still held (None: no memory limit)."""
    deadline = time.monotonic() + limit
    most = memory_limit * MB if memory_limit else None
    base = memory.start() if most is not None else 0
    traced = memory.traced

    def local(frame: FrameType, event: str, arg: Any) -> _Tracer:
        if time.monotonic() > deadline:
            raise SandboxViolation(f"script exceeded {limit} s")
        if most is not None and traced() - base > most:
            raise SandboxViolation(f"script allocated more than {memory_limit} MB")
        return local

    def global_(frame: FrameType, event: str, arg: Any) -> _Tracer | None:
        # Only diagram code is traced: helper and library frames run at full speed, and the
        # violation is never raised inside trusted code that might swallow it.
        if frame.f_code.co_filename != FILENAME:
            return None
        frame.f_trace_lines = False
        frame.f_trace_opcodes = True
        return local(frame, event, arg)

    previous = sys.gettrace()
    sys.settrace(global_)
    try:
        yield
    finally:
        sys.settrace(previous)
        if most is not None:
            memory.stop()
