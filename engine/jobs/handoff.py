"""Handing committed webhook deliveries to the broker off the request's path.

A command that wrote deliveries puts their ids here after its commit and returns at once;
a thread of the process sends them, the ids of every command that committed meanwhile in
one message, which a worker fans out (one message per delivery). What is lost with the
process, or refused by a broker that is down, the workers' sweep finds: the deliveries
are rows, pending until sent.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
import time

from engine.jobs.relay import queue_deliveries, safe
from engine.services.context import Context

log = logging.getLogger(__name__)
BATCH = 500  # ids per message at most
# Seconds the thread waits after the first ids for more to join them: enqueueing costs the
# process about as much CPU as a command's writes, so under load one message carries the
# deliveries of many commands, for a few tens of milliseconds of latency.
LINGER = 0.05


class Handoff:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._queue: queue.SimpleQueue[list[int]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid = 0  # the process whose thread runs (a forked child starts its own)

    def put(self, ids: list[int]) -> None:
        if self._ctx.send_job is None:
            return  # no broker in this process: the sweep sends them
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._queue = queue.SimpleQueue()
                    threading.Thread(target=self._run, name="motcua-webhook-handoff",
                                     daemon=True).start()
                    self._pid = os.getpid()
        self._queue.put(ids)

    def _run(self) -> None:
        send = safe(queue_deliveries)
        source = self._queue
        while True:
            ids = list(source.get())
            time.sleep(LINGER)
            while len(ids) < BATCH:
                try:
                    ids += source.get_nowait()
                except queue.Empty:
                    break
            send(self._ctx, ids)
