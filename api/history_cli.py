"""`motcua history verify`: the hash chains and the daily anchors of every dossier of a
province (with `--reexecute`, each history re-executed on its version too), or, with
`--code`, the whole verification GET /dossiers/{code}/history/verify makes of one dossier;
a line per dossier; exit 1 if anything is at fault."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from functools import partial
from typing import Any

from engine.codes import LOCAL_TZ
from engine.services.records import anchors, audit

MAX_JOBS = 64


def describe(province: str, v: audit.Verdict) -> str:
    """One line: the dossier intact (and how much was compared), or each check at fault."""
    again = v.reexecution
    if v.intact:
        if again is None:
            return f"{province} {v.code}: intact ({v.events} events)"
        return (f"{province} {v.code}: intact ({v.events} events, {again.steps_compared} "
                "steps re-executed)")
    faults = []
    if v.chain_divergence is not None:
        faults.append("chain " + _divergence(v.chain_divergence))
    if again is not None and again.first_divergence is not None:
        faults.append("re-execution " + _divergence(again.first_divergence))
    faults += [f"anchor {p.day.isoformat()}: {p.reason}" for p in v.anchor_problems]
    return f"{province} {v.code}: " + "; ".join(faults)


def _divergence(d: dict[str, Any]) -> str:
    return (f"event {d.get('seq')}: {d.get('reason')} (expected {d.get('expected')}, "
            f"found {d.get('found')})")


def run_verify(province: str | None, since: str | None, settings: Any,
               code: str | None = None, reexecute: bool = False, jobs: int = 1) -> int:
    """Exit 0: every dossier and anchor intact; 1: something at fault (each named);
    2: the arguments make no sense. `jobs` processes check pages of dossiers side by side;
    the lines still come in order of reception."""
    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), time(), LOCAL_TZ)
        except ValueError:
            print(f"error: --since {since!r}: a date such as 2026-01-31", file=sys.stderr)
            return 2
    if code is not None and since:
        print("error: --since lists a province's dossiers; --code names one", file=sys.stderr)
        return 2
    if not 1 <= jobs <= MAX_JOBS:
        print(f"error: --jobs {jobs}: from 1 to {MAX_JOBS}", file=sys.stderr)
        return 2
    from engine.wiring import build_context

    ctx = build_context(settings)
    try:
        if code is not None:
            return _one(ctx, code, province)
        if jobs == 1:
            return _provinces(ctx, province, start, reexecute, map)
        import multiprocessing

        # Spawned, not forked: each process opens its own connections.
        with multiprocessing.get_context("spawn").Pool(
                jobs, initializer=_start, initargs=(settings,)) as pool:
            return _provinces(ctx, province, start, reexecute, pool.imap)
    finally:
        ctx.db_engine.dispose()


_ctx: Any = None  # a checking process's own context (--jobs)


def _start(settings: Any) -> None:
    global _ctx
    from engine.wiring import build_context

    _ctx = build_context(settings)


def _checked(ids: list[int], province: str, reexecute: bool,
             ctx: Any = None) -> list[tuple[bool, str]]:
    """(intact, line) of each of these dossiers of `province`."""
    verdicts = audit.verify_ids(ctx or _ctx, ids, reexecute=reexecute)
    return [(v.intact, describe(province, v)) for v in verdicts]


def _one(ctx: Any, code: str, province: str | None) -> int:
    verdict = audit.verify_code(ctx, code, province)
    if verdict is None:
        where = f" in province {province}" if province else ""
        print(f"error: --code {code!r}: no such dossier{where}", file=sys.stderr)
        return 2
    print(describe(province or _province_of(ctx, code), verdict))
    return 0 if verdict.intact else 1


def _province_of(ctx: Any, code: str) -> str:
    with ctx.uow(readonly=True) as uow:
        return str(uow.repo.dossier_by_code(code).province)


def _provinces(ctx: Any, province: str | None, start: datetime | None, reexecute: bool,
               mapping: Callable[..., Iterator[list[tuple[bool, str]]]]) -> int:
    """Every dossier of the provinces, its pages checked through `mapping` (`map` here, or
    a pool's ordered `imap`), then each province's anchors."""
    from tqdm import tqdm

    broken = checked = bad_anchors = 0
    for p in [province] if province else audit.provinces(ctx):
        total = audit.count_dossiers(ctx, p, start)
        with tqdm(total=total, unit="dossier", desc=p, file=sys.stderr, disable=None) as bar:
            check = partial(_checked, province=p, reexecute=reexecute,
                            ctx=ctx if mapping is map else None)
            for lines in mapping(check, audit.dossier_pages(ctx, p, since=start)):
                for intact, line in lines:
                    checked += 1
                    broken += not intact
                    print(line)
                bar.update(len(lines))
        for problem in anchors.verify_anchors(ctx, p, start.date() if start else None):
            bad_anchors += 1
            print(f"{p} anchor {problem.day.isoformat()}: {problem.reason}")
    print(f"{checked} dossiers checked, {broken} not intact; {bad_anchors} anchors at fault",
          file=sys.stderr)
    return 1 if broken or bad_anchors else 0
