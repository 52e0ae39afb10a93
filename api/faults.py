"""A lost database connection is never a 500: every view runs as a command that is run once
more when its connection broke before anything committed (engine.store.uow.run_command),
and a connection fault met outside a unit of work is answered 503 like one met inside."""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask

from engine.errors import DatabaseUnavailable
from engine.store.faults import is_connection_fault
from engine.store.uow import run_command


def register(app: Flask) -> None:
    """Wrap every view of `app` (call it once the blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = _command(view)


def _command(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        return run_command(lambda: _translated(view, args, kwargs))
    return run


def _translated(view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    try:
        return view(*args, **kwargs)
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        if is_connection_fault(exc):
            raise DatabaseUnavailable("the database is unavailable; retry later",
                                      retry=False) from exc
        raise
