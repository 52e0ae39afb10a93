"""Running a page module's function under node, as the page's bundle runs it (modules with
no DOM: form_errors.js, problem_text.js, schema-check.js). Skipped where node is missing."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest


def call_each(module: Path, function: str, calls: list[list[Any]]) -> list[Any]:
    """`function` of `module` called with each list of arguments, in one node process: the
    JSON of each result, in order."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the pages are built with it)")
    script = (f"import({json.dumps(module.as_uri())}).then((m) => process.stdout.write("
              f"JSON.stringify({json.dumps(calls)}.map((a) => m[{json.dumps(function)}](...a)))))")
    out = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                         text=True, check=True, timeout=60)
    return list(json.loads(out.stdout))
