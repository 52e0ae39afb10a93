"""Compiling diagram code under the sandbox policy, once per distinct source."""
from __future__ import annotations

from functools import lru_cache
from types import CodeType
from typing import Literal

from RestrictedPython.compile import compile_restricted_eval, compile_restricted_exec

from .errors import SandboxViolation
from .policy import SandboxPolicy

Mode = Literal["eval", "exec"]

#: Filename given to compiled code. SpiffWorkflow looks for '<string>' frames in tracebacks to
#: report the failing line, and the time limit only traces frames of this file.
FILENAME = "<string>"

_COMPILERS = {"eval": compile_restricted_eval, "exec": compile_restricted_exec}


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> tuple[CodeType | None, str | None]:
    """(code, None) or (None, message); bounded LRU so hot conditions compile once."""
    compiler = _COMPILERS.get(mode)
    if compiler is None:
        raise ValueError(f"mode must be 'eval' or 'exec', not {mode!r}")
    result = compiler(source, filename=FILENAME, policy=SandboxPolicy)
    if result.errors or result.code is None:
        return None, "; ".join(result.errors) or "code refused"
    return result.code, None


def check_code(source: str, mode: str) -> str | None:
    """Return a human error message if `source` is refused in `mode` ('eval' or 'exec').

    None means the code is acceptable. Used at deploy time on every condition and script.
    """
    return _compile(source, mode)[1]


def compile_code(source: str, mode: Mode) -> CodeType:
    """Compiled code for `source`, or SandboxViolation saying why it is refused."""
    code, error = _compile(source, mode)
    if code is None:
        raise SandboxViolation(f"code refused by the sandbox: {error}")
    return code
