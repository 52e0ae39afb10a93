"""The names RestrictedPython-compiled code calls into, and the builtins it sees."""
from __future__ import annotations

import builtins
import math
import operator
from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safe_builtins,
    safer_getattr_raise,
)
from RestrictedPython.PrintCollector import PrintCollector
from RestrictedPython.transformer import INSPECT_ATTRIBUTES

from .errors import SandboxViolation
from .modules import guarded_import
from .policy import FORBIDDEN_CALLS

#: Largest sequence ``*`` may build, largest ``range``, largest integer ``**``/``<<`` result.
MAX_ITEMS = 10_000_000
MAX_RANGE = 10_000_000
MAX_INT_BITS = 1_000_000


def guarded_getattr(obj: Any, name: str) -> Any:
    """`safer_getattr` (no ``_names``, no frame/code attributes, no ``str.format``) that
    reports refusals as SandboxViolation."""
    if not isinstance(name, str) or name.startswith("_") or name in INSPECT_ATTRIBUTES:
        raise SandboxViolation(f"access to attribute {name!r} is not allowed")
    try:
        return safer_getattr_raise(obj, name)  # type: ignore[no-untyped-call]
    except NotImplementedError as exc:
        raise SandboxViolation(str(exc)) from None


def guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _check_size(symbol: str, left: Any, right: Any) -> None:
    """Refuse results too large to build: repetition, huge powers and shifts."""
    if symbol == "*":
        for seq, times in ((left, right), (right, left)):
            if (isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int)
                    and len(seq) * times > MAX_ITEMS):
                raise SandboxViolation(
                    f"sequence repetition of {len(seq)} x {times} items is too large"
                )
    elif isinstance(left, int) and isinstance(right, int) and right > 0:
        if symbol == "**" and abs(left) > 1:
            if right * math.log2(abs(left)) > MAX_INT_BITS:
                raise SandboxViolation(f"{left} ** {right} is too large")
        elif symbol == "<<" and left and right + left.bit_length() > MAX_INT_BITS:
            raise SandboxViolation(f"{left} << {right} is too large")


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "*": operator.mul, "**": operator.pow, "<<": operator.lshift,
}


def guarded_binop(symbol: str, left: Any, right: Any) -> Any:
    """Target of the policy's rewrite of ``*``, ``**`` and ``<<``."""
    _check_size(symbol, left, right)
    return _BINOPS[symbol](left, right)


_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow,
    "<<=": operator.ilshift, ">>=": operator.irshift, "&=": operator.iand,
    "|=": operator.ior, "^=": operator.ixor, "@=": operator.imatmul,
}


def guarded_inplacevar(op: str, left: Any, right: Any) -> Any:
    """``x op= y`` for plain names (``x += 1``)."""
    _check_size(op[:-1], left, right)
    return _INPLACE[op](left, right)


def guarded_pow(base: Any, exp: Any, mod: Any = None) -> Any:
    if mod is None:
        _check_size("**", base, exp)
        return pow(base, exp)
    return pow(base, exp, mod)


def guarded_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise SandboxViolation(f"range of {len(result)} items is too large (max {MAX_RANGE})")
    return result


def _refuse(name: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise SandboxViolation(f"'{name}' is not allowed in diagram code")

    refused.__name__ = name
    return refused


def _build_builtins() -> dict[str, Any]:
    allowed = {k: v for k, v in safe_builtins.items() if not k.startswith("_")}
    for name in ("setattr", "delattr", "id", "BaseException", "Exception", "GeneratorExit",
                 "KeyboardInterrupt", "SystemExit"):
        allowed.pop(name, None)
    # Exception stays raisable (raise Exception("...")) but not catchable (see policy).
    allowed["Exception"] = Exception
    for name in ("len", "min", "max", "sum", "sorted", "any", "all", "abs", "round", "int",
                 "float", "str", "bool", "list", "dict", "set", "frozenset", "tuple",
                 "enumerate", "zip", "reversed", "map", "filter", "isinstance", "divmod"):
        allowed[name] = getattr(builtins, name)
    allowed.update(
        range=guarded_range, pow=guarded_pow, __import__=guarded_import,
        datetime=datetime, timedelta=timedelta, date=date, time=time, timezone=timezone,
        Decimal=Decimal,
    )
    for name in FORBIDDEN_CALLS:
        allowed[name] = _refuse(name)
    allowed["__build_class__"] = _refuse("class")
    return allowed


#: Seen through ``__builtins__``: data variables of the same name shadow them, and they are
#: never copied into task data.
SANDBOX_BUILTINS: dict[str, Any] = _build_builtins()

#: The names RestrictedPython's rewritten code calls. Put in the globals so task data
#: cannot shadow them.
GUARDS: dict[str, Any] = {
    "__builtins__": SANDBOX_BUILTINS,
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_write_": full_write_guard,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": guarded_inplacevar,
    "_binop_": guarded_binop,
    "_apply_": guarded_apply,
    "_print_": PrintCollector,
}
