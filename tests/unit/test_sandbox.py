"""The sandbox refuses known escapes and keeps SpiffWorkflow's task-data semantics."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest

from engine.sandbox import SandboxViolation, check_code, make_script_engine

# --- os/subprocess must never be reached --------------------------------------------------

_reached: list[str] = []
_watching = False
_DANGEROUS = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
              "os.listdir", "os.remove", "shutil.rmtree"}


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if not _watching:
        return
    if event in _DANGEROUS or (event == "open" and args and "passwd" in str(args[0])):
        _reached.append(event)


sys.addaudithook(_audit)  # audit hooks cannot be removed; this one only records while watching


@pytest.fixture
def watch_os() -> Iterator[None]:
    global _watching
    _reached.clear()
    _watching = True
    try:
        yield
    finally:
        _watching = False
    assert _reached == [], f"sandboxed code reached {_reached}"


# --- escapes ------------------------------------------------------------------------------

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    (
        "[c for c in ().__class__.__base__.__subclasses__() if c.__name__=='catch_warnings'][0]()"
        "._module.__builtins__['__import__']('os').system('true')"
    ),
    "__import__('os').system('true')",
    "import os\nos.system('true')",
    "from os import system\nsystem('true')",
    "import subprocess\nsubprocess.Popen(['true'])",
    "import os.path",
    "open('/etc/passwd').read()",
    "eval('1')",
    "exec('x=1')",
    "getattr(x, '__class__')",
    "type(x).__mro__",
    "'{0.__class__}'.format(x)",
    "str.format('{0.__class__}', x)",
    "'{0.__class__}'.format_map({'0': x})",
    "globals()",
    "vars()",
    "locals()",
    "compile('1', 'f', 'eval')",
    "(lambda: 0).__globals__['__builtins__']",
    "f = lambda: 0\ny = f.__code__",
    "g = (i for i in [1])\ny = g.gi_frame.f_globals",
    "g = (i for i in [1])\ny = g.gi_frame",
    "def f():\n    yield 1\ny = f().gi_code",
    "x.__class__",
    "class A:\n    pass",
    "import datetime\ny = datetime.sys.modules['os']",
    "import statistics\ny = statistics.sys",
    "import json\ny = json.codecs",
    "import string\ny = string.Formatter().format('{0.__class__}', x)",
    "from datetime import sys",
    "import decimal\ndecimal.setcontext(None)",
    "y = 'x' * 10**9",
    "y = [0] * 10**9",
    "y = 10 ** 10 ** 8",
    "y = pow(10, 10 ** 8)",
    "y = 1 << 10 ** 10",
    "y = 'x'\ny *= 10 ** 9",
    "y = range(10 ** 12)",
    "try:\n    y = 1\nexcept Exception:\n    pass",
    "try:\n    y = 1\nexcept:\n    pass",
    "try:\n    y = 1\nfinally:\n    y = 2",
    "ValueError = Exception",
    "setattr(x, 'a', 1)",
]


def _refused(source: str, mode: str = "exec") -> str:
    """The refusal message for `source`, from check_code or else from running it."""
    message = check_code(source, mode)
    if message is not None:
        return message
    env = make_script_engine().environment
    with pytest.raises(SandboxViolation) as info:
        if mode == "exec":
            env.execute(source, {"x": 1}, {})
        else:
            env.evaluate(source, {"x": 1})
    return str(info.value)


@pytest.mark.usefixtures("watch_os")
@pytest.mark.parametrize("source", ESCAPES)
def test_escape_is_refused(source: str) -> None:
    assert _refused(source)


@pytest.mark.usefixtures("watch_os")
@pytest.mark.parametrize(
    "expression", ["().__class__.__base__.__subclasses__()", "__import__('os')", "globals()",
                   "open('/etc/passwd')", "'{0.__class__}'.format(x)"]
)
def test_escape_is_refused_in_conditions(expression: str) -> None:
    assert check_code(expression, "eval")


def test_messages_name_what_was_refused() -> None:
    assert "os" in (check_code("import os", "exec") or "")
    assert "__subclasses__" in (check_code("().__class__.__base__.__subclasses__()", "eval")
                                or "")
    assert "open" in (check_code("open('/etc/passwd')", "eval") or "")
    assert "10" in _refused("y = 'x' * 10**9")


def test_refused_code_fails_at_run_time_too() -> None:
    """Code that skipped deploy-time checking is still refused when run."""
    env = make_script_engine().environment
    with pytest.raises(SandboxViolation, match="__import__"):
        env.execute("__import__('os')", {}, {})
    with pytest.raises(SandboxViolation, match="'open' is not allowed"):
        env.evaluate("f(1)", {"f": env.globals["__builtins__"]["open"]})


def test_run_time_import_guard_names_the_module() -> None:
    from engine.sandbox.modules import guarded_import

    with pytest.raises(SandboxViolation, match="'os'"):
        guarded_import("os")


@pytest.mark.parametrize(
    "source",
    [
        "total = fee * 2",
        "import math\ny = math.ceil(fee / 3)",
        "from datetime import date\nd = date(2024, 1, 1)",
        "y = sorted([3, 1, 2])",
        "try:\n    y = int('x')\nexcept (ValueError, TypeError):\n    y = 0",
        "y = f'{fee:>5}'",
        "y = '%s-%d' % ('a', 1)",
    ],
)
def test_ordinary_code_is_accepted(source: str) -> None:
    assert check_code(source, "exec") is None


def test_compiles_once_per_source() -> None:
    from engine.sandbox.compiler import _compile

    env = make_script_engine().environment
    source = "fee > 10 and fee < 1000  # unique"
    before = _compile.cache_info().misses
    for _ in range(1000):
        assert env.evaluate(source, {"fee": 50}) is True
    assert _compile.cache_info().misses == before + 1


# --- time limit ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "source",
    [
        "while True: pass",
        "while True:\n    y = 1",
        "y = [0 for i in range(10**7) for j in range(10**7)]",
        "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\ny = f(60)",
        "while True:\n    try:\n        while True: pass\n    except ValueError:\n        pass",
    ],
)
def test_long_script_is_stopped(source: str) -> None:
    env = make_script_engine(time_limit=0.2).environment
    started = time.monotonic()
    with pytest.raises(SandboxViolation, match="exceeded 0.2 s"):
        env.execute(source, {}, {})
    assert time.monotonic() - started < 1.0


def test_long_condition_is_stopped() -> None:
    env = make_script_engine(time_limit=0.2).environment
    with pytest.raises(SandboxViolation, match="exceeded"):
        env.evaluate("[0 for i in range(10**7) for j in range(10**7)]", {})


def test_previous_tracer_is_restored() -> None:
    previous = sys.gettrace()
    make_script_engine().environment.evaluate("1 + 1", {})
    assert sys.gettrace() is previous


def test_time_limit_works_outside_the_main_thread() -> None:
    import threading

    errors: list[BaseException] = []

    def run() -> None:
        try:
            make_script_engine(time_limit=0.1).environment.execute("while True: pass", {}, {})
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(5)
    assert not thread.is_alive()
    assert isinstance(errors[0], SandboxViolation)
