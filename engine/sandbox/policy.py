"""The compile-time policy: RestrictedPython's rules plus the ones diagram code needs.

On top of `RestrictingNodeTransformer` (no ``_names``, no ``exec``/``eval``, guarded
attribute, item, iteration and write access) this policy:

* refuses calls to dangerous builtins by name (``open()``, ``globals()``, ``getattr()``...),
  so the diagram is rejected at deploy time rather than failing on a dossier;
* refuses imports of modules outside `ALLOWED_MODULES` and ``.format``/``.format_map``
  attributes (format strings reach attributes: ``"{0.__class__}".format(x)``);
* refuses class definitions (task data must stay JSON);
* keeps the time limit uncatchable: ``try`` may only name specific exception classes
  (no bare ``except``, no ``except Exception``, no ``finally``), and those names may not be
  rebound. The time limit is enforced by raising from a trace hook; once it has raised,
  CPython removes the hook, so a script that could catch it would run on unbounded;
* rewrites ``a * b``, ``a ** b`` and ``a << b`` into ``_binop_("*", a, b)`` so the run-time
  guard can refuse memory bombs such as ``"x" * 10**9``.
"""
from __future__ import annotations

import ast
from typing import Any

from RestrictedPython.transformer import RestrictingNodeTransformer

from .modules import ALLOWED_MODULES

#: Builtins that diagram code may never call (runtime stubs refuse them too).
FORBIDDEN_CALLS = frozenset({
    "open", "eval", "exec", "compile", "globals", "locals", "vars", "getattr", "setattr",
    "delattr", "hasattr", "type", "dir", "input", "breakpoint", "help", "exit", "quit",
    "memoryview", "super", "object", "classmethod", "staticmethod", "property", "iter",
    "next", "id",
})

#: Exception classes a script may catch; none of them is a base of `SandboxViolation`.
CATCHABLE = frozenset({
    "ValueError", "TypeError", "KeyError", "IndexError", "LookupError", "ZeroDivisionError",
    "ArithmeticError", "OverflowError", "AttributeError", "UnicodeError", "AssertionError",
    "UnicodeDecodeError", "UnicodeEncodeError", "NameError",
})

_GUARDED_OPS: dict[type[ast.operator], str] = {ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}


class SandboxPolicy(RestrictingNodeTransformer):
    """RestrictedPython's transformer with the motcua rules described in the module doc."""

    def visit_Call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            self.error(node, f'Calling "{node.func.id}" is not allowed.')
        return super().visit_Call(node)

    def visit_Import(self, node: ast.Import) -> Any:
        for alias in node.names:
            self._check_module(node, alias.name)
        return super().visit_Import(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> Any:
        self._check_module(node, "." * node.level + (node.module or ""))
        return super().visit_ImportFrom(node)

    def _check_module(self, node: ast.AST, name: str) -> None:
        if name not in ALLOWED_MODULES:
            self.error(
                node,
                f'Import of module "{name}" is not allowed '
                f'(allowed: {", ".join(ALLOWED_MODULES)}).',
            )

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr in ("format", "format_map"):
            self.error(node, f'"{node.attr}" is not allowed: use % or f-strings.')
        return super().visit_Attribute(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.error(node, "Class definitions are not allowed.")
        return node

    def visit_Try(self, node: ast.Try) -> Any:
        if node.finalbody:
            self.error(node, '"finally" is not allowed.')
        for handler in node.handlers:
            names = _handler_names(handler.type)
            if names is None or not names <= CATCHABLE:
                self.error(
                    handler,
                    "except must name specific exception classes among: "
                    + ", ".join(sorted(CATCHABLE)) + ".",
                )
        return super().visit_Try(node)

    def check_name(
        self, node: ast.AST, name: str | None, allow_magic_methods: bool = False
    ) -> None:
        if name in CATCHABLE and not (
            isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
        ):
            self.error(node, f'"{name}" may not be redefined.')
        super().check_name(node, name, allow_magic_methods)  # type: ignore[arg-type]

    def visit_BinOp(self, node: ast.BinOp) -> Any:
        node = self.node_contents_visit(node)
        symbol = _GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        return ast.fix_missing_locations(ast.copy_location(call, node))


def _handler_names(expr: ast.expr | None) -> set[str] | None:
    """The exception names an ``except`` clause lists, or None if it is not plain names."""
    if isinstance(expr, ast.Name):
        return {expr.id}
    if isinstance(expr, ast.Tuple) and all(isinstance(e, ast.Name) for e in expr.elts):
        return {e.id for e in expr.elts}  # type: ignore[attr-defined]
    return None
