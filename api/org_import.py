"""`motcua org import FILE... --province P` and `motcua org unit CODE ...`: the command line
side of `engine.services.org.load` (reading files, the progress bar, printing tokens once)."""
from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from tqdm import tqdm

from engine.errors import MotcuaError
from engine.org.files import FileProblem, Row, parse
from engine.services.org.load import load
from engine.settings import Settings
from engine.wiring import build_context


def run_import(files: Sequence[str], province: str, tokens_file: str | None,
               settings: Settings) -> int:
    rows: list[Row] = []
    for name in files:
        try:
            with open(name, encoding="utf-8") as f:
                rows += parse(os.path.basename(name), f.read())
        except (OSError, UnicodeDecodeError) as exc:
            print(f"error: {name}: {exc}", file=sys.stderr)
            return 2
        except FileProblem as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    ctx = build_context(settings)
    try:
        # Shown on a terminal only; long imports (thousands of rows) take a while.
        with tqdm(total=len(rows), unit="row", file=sys.stderr, disable=None) as bar:
            loaded = load(ctx, province, rows, bar.update)
    except MotcuaError as exc:
        from api.cli import refused

        return refused(exc)
    finally:
        ctx.db_engine.dispose()
    print(f"{province}: {loaded.units_registered} units registered, {loaded.units_updated} "
          f"updated, {len(loaded.principals)} principals created", file=sys.stderr)
    lines = [f"{pid}\t{name}\t{token}\n" for _where, pid, name, token in loaded.principals]
    if tokens_file:
        fd = os.open(tokens_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("id\tname\ttoken\n" + "".join(lines))
    else:
        sys.stdout.write("".join(lines))
    return 0


def register_one(code: str, province: str, settings: Settings, **fields: str | None) -> int:
    """Register (or update) one unit, as one row of an import would."""
    ctx = build_context(settings)
    try:
        loaded = load(ctx, province, [Row("command line", "unit", {"code": code, **fields})])
    except MotcuaError as exc:
        from api.cli import refused

        return refused(exc)
    finally:
        ctx.db_engine.dispose()
    verb = "registered" if loaded.units_registered else "updated"
    print(f"{province}: unit {code} {verb}")
    return 0
