"""The script environment and engine that run diagram code through the sandbox."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.script_engine import (  # type: ignore[import-untyped,unused-ignore]
    PythonScriptEngine,
    TaskDataEnvironment,
)

from .compiler import compile_code
from .errors import SandboxViolation
from .guards import GUARDS
from .modules import SafeModule
from .timebound import time_bound


class SandboxEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """SpiffWorkflow's `TaskDataEnvironment` semantics, with RestrictedPython code.

    Scripts read and assign task data as plain names; conditions see task data. Guards and
    helpers are globals: they are checked against task data names before a script runs
    (SpiffWorkflow's ``check_for_overwrite``) and removed from task data afterwards, as are
    functions the script defined and modules it imported, so task data stays JSON.

    Each call runs within `time_limit` seconds and `memory_limit` megabytes (None: no
    memory limit). A script stopped by the sandbox leaves the task data as it found it: the
    names it bound are dropped, so what it allocated is freed and never stored.
    """

    def __init__(
        self, helpers: Mapping[str, Callable[..., Any]] | None = None, time_limit: float = 1.0,
        memory_limit: int | None = None,
    ) -> None:
        super().__init__({**(helpers or {}), **GUARDS})
        self.time_limit = time_limit
        self.memory_limit = memory_limit

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> Any:
        code = compile_code(expression, "eval")
        my_globals = dict(self.globals)
        my_globals.update(external_context or {})
        my_globals.update(context)
        my_globals.update(GUARDS)  # task data never shadows a guard
        with time_bound(self.time_limit, self.memory_limit):
            return eval(code, my_globals)  # restricted code, guarded globals

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: dict[str, Any] | None = None,
    ) -> bool:
        code = compile_code(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        before = dict(context)
        context.update(external_context or {})
        context.update(self.globals)
        try:
            with time_bound(self.time_limit, self.memory_limit):
                exec(code, context)  # noqa: S102 - restricted code, guarded globals
        except SandboxViolation:
            context.clear()
            context.update(before)
            raise
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
        return True

    def _remove_globals_and_functions_from_context(
        self, context: dict[str, Any], external_context: dict[str, Any] | None = None
    ) -> None:
        super()._remove_globals_and_functions_from_context(context, external_context)
        for key in [k for k, v in context.items() if isinstance(v, SafeModule) or k == "_print"]:
            del context[key]


def make_script_engine(
    helpers: Mapping[str, Callable[..., Any]] | None = None, time_limit: float = 1.0,
    memory_limit: int | None = 64,
) -> PythonScriptEngine:
    """A script engine for ``BpmnWorkflow(spec, subs, script_engine=...)`` whose conditions
    and scripts go through RestrictedPython, within `time_limit` seconds and `memory_limit`
    megabytes each.

    `helpers` are extra pure functions put in scope (e.g. a working-time function).
    """
    return PythonScriptEngine(environment=SandboxEnvironment(helpers, time_limit, memory_limit))
