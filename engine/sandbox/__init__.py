"""The script sandbox: every condition and script of a deployed diagram runs here.

Why RestrictedPython: SpiffArena's restricted environment only trims builtins and imports,
and ``().__class__.__base__.__subclasses__()`` walks out of it to ``os``; RestrictedPython
rewrites the code itself, so underscore attributes, frames and ``exec`` are refused.

`check_code` is for deploy time; `make_script_engine` for running; `SandboxViolation` is
raised when code is refused at run time or exceeds its time limit.
"""
from .compiler import check_code
from .environment import make_script_engine
from .errors import SandboxViolation

__all__ = ["SandboxViolation", "check_code", "make_script_engine"]
