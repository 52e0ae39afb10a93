"""The sandbox's one exception."""
from __future__ import annotations

from engine.errors import ScriptError


class SandboxViolation(ScriptError):
    """Diagram code was refused, or exceeded its time or size limits, at run time.

    The message says what was refused. It derives from `ScriptError` so the API maps it like
    any other script failure (machine code ``script-error``).
    """
