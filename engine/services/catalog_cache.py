"""Compiled process versions, kept per process: a version is immutable once deployed."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.bpmn import CompiledProcess, compile_bpmn
from engine.sandbox import check_code, make_script_engine


@dataclass(frozen=True)
class Version:
    """A deployed version as the runtime needs it: compiled, with its key and number."""

    compiled: CompiledProcess
    key: str
    number: int


class CatalogCache:
    def __init__(self, size: int = 256, script_time_limit: float = 1.0,
                 script_memory_limit: int = 64) -> None:
        self._size = size
        self._items: OrderedDict[int, Version] = OrderedDict()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._time_limit = script_time_limit
        self._memory_limit = script_memory_limit

    def version(self, definition_id: int,
                load: Callable[[], tuple[bytes, dict[str, Any], str, int]]) -> Version:
        """A stored version, compiled once per process; `load` gives (xml, forms, key,
        number) on a miss only, so a hit costs no database round trip."""
        with self._lock:
            hit = self._items.get(definition_id)
            if hit is not None:
                self._items.move_to_end(definition_id)
                return hit
        xml, forms, key, number = load()
        found = Version(compile_process(xml, forms, from_store=True), key, number)
        with self._lock:
            self._items[definition_id] = found
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return found

    def script_engine(self) -> Any:
        """One sandboxed script engine per thread: engines keep per-call state."""
        engine = getattr(self._local, "engine", None)
        if engine is None:
            engine = make_script_engine(time_limit=self._time_limit,
                                        memory_limit=self._memory_limit)
            self._local.engine = engine
        return engine


def compile_process(xml: bytes, forms: dict[str, Any], max_bytes: int = 5_000_000,
                    filename: str = "process.bpmn", *, from_store: bool = False) -> CompiledProcess:
    """Compile with the platform's sandbox checks (forms given as parsed JSON or bytes);
    whole-file errors name `filename`; `from_store` for a version read from the database."""
    raw = {name: f if isinstance(f, bytes) else _json_bytes(f) for name, f in forms.items()}
    return compile_bpmn(xml, forms=raw, check_code=check_code, max_bytes=max_bytes,
                        filename=filename, from_store=from_store)


def _json_bytes(obj: Any) -> bytes:
    import json

    return json.dumps(obj, ensure_ascii=False).encode("utf-8")
