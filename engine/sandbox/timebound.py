"""Stopping diagram code that runs too long, in any thread.

`signal.alarm` only works in the main thread, and gunicorn and dramatiq run our code in
others. Instead a `sys.settrace` hook, installed only for the duration of the call (and only
in the calling thread), checks a deadline on every instruction executed in sandboxed frames and
raises `SandboxViolation` once it has passed. It listens to opcode events, not line events:
CPython 3.11 emits no line event for a one-line loop such as ``while True: pass``. The previous tracer (a debugger, coverage) is
restored afterwards.

Limits: time spent inside one C call (``sorted`` of a huge list, a pathological regular
expression) is not interrupted; the policy and guards keep such inputs small. CPython removes
a trace hook that raised, which is why the policy makes the violation uncatchable by scripts.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from .compiler import FILENAME
from .errors import SandboxViolation

_Tracer = Callable[[FrameType, str, Any], Any]


@contextmanager
def time_bound(limit: float) -> Iterator[None]:
    """Run the body with sandboxed frames stopped after `limit` seconds."""
    deadline = time.monotonic() + limit

    def local(frame: FrameType, event: str, arg: Any) -> _Tracer:
        if time.monotonic() > deadline:
            raise SandboxViolation(f"script exceeded {limit} s")
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
