"""The pure modules diagram code may import, exposed through attribute-limited proxies.

A real module cannot be handed out: ``datetime.sys`` and ``statistics.sys`` are the ``sys``
module, one attribute away from ``sys.modules['os']``. A `SafeModule` carries only the
module's public names (its ``__all__`` when it has one) minus sub-modules and a few unsafe
members.
"""
from __future__ import annotations

import importlib
from types import ModuleType, SimpleNamespace
from typing import Any

from .errors import SandboxViolation

ALLOWED_MODULES = ("math", "datetime", "decimal", "re", "json", "statistics", "string")

#: Public members left out: string.Formatter reaches attributes through format strings;
#: setcontext and DefaultContext would change decimal arithmetic for the whole thread/process.
_EXCLUDED = {
    "string": {"Formatter"},
    "decimal": {"setcontext", "DefaultContext"},
}


class SafeModule(SimpleNamespace):
    """A read-only view of an allowed module's safe public members."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # Python's own protocol probes (hasattr(m, "__call__"))
            raise AttributeError(name)
        module = self.__dict__.get("__name__", "?")
        raise SandboxViolation(f"'{module}.{name}' is not available in diagram code")

    def __repr__(self) -> str:
        return f"<sandboxed module {self.__dict__.get('__name__', '?')}>"


def _build(name: str) -> SafeModule:
    module = importlib.import_module(name)
    names = getattr(module, "__all__", None) or [n for n in dir(module) if not n.startswith("_")]
    members: dict[str, Any] = {}
    for member in names:
        value = getattr(module, member, None)
        if member.startswith("_") or member in _EXCLUDED.get(name, ()):
            continue
        if value is None or isinstance(value, ModuleType):
            continue
        members[member] = value
    proxy = SafeModule(**members)
    proxy.__dict__["__name__"] = name
    return proxy


_PROXIES: dict[str, SafeModule] = {name: _build(name) for name in ALLOWED_MODULES}


def guarded_import(
    name: str,
    globals: Any = None,
    locals: Any = None,
    fromlist: Any = (),
    level: int = 0,
) -> SafeModule:
    """``__import__`` for diagram code: only `ALLOWED_MODULES`, as `SafeModule` proxies."""
    if level != 0 or name not in _PROXIES:
        raise SandboxViolation(
            f"import of module '{name}' is not allowed (allowed: {', '.join(ALLOWED_MODULES)})"
        )
    return _PROXIES[name]
