"""The `motcua` command: serve, worker, migrate, principal create, demo."""
from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Sequence

from engine.errors import MotcuaError
from engine.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="motcua", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=0,
                       help="run gunicorn with N processes (jobs left to `motcua worker`)")

    worker = sub.add_parser("worker", help="run dramatiq worker processes (production)")
    worker.add_argument("--processes", type=int, default=2)
    worker.add_argument("--threads", type=int, default=4)

    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("settings", help="list every setting and its environment variable")

    principal = sub.add_parser("principal", help="manage principals")
    psub = principal.add_subparsers(dest="action", required=True)
    create = psub.add_parser("create", help="create a principal; prints its token last")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True)
    create.add_argument("--province", required=True)
    create.add_argument("--unit")
    create.add_argument("--position")

    demo = sub.add_parser("demo", help="migrate, load processes/ and demo principals")
    demo.add_argument("--serve", action="store_true", help="then serve on --port")
    demo.add_argument("--no-dossiers", action="store_true",
                      help="without the week of dossiers made by running the processes")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)

    orgp = sub.add_parser("org", help="load units and principals")
    osub = orgp.add_subparsers(dest="action", required=True)
    oimport = osub.add_parser("import", help="units and principals from CSV or YAML files, "
                                             "in one transaction; prints new tokens once")
    oimport.add_argument("files", nargs="+", metavar="FILE",
                         help="*.csv (units or principals, by header) or *.yaml")
    oimport.add_argument("--province", required=True)
    oimport.add_argument("--tokens", metavar="FILE",
                         help="write the new principals' tokens here (mode 600), not stdout")

    ounit = osub.add_parser("unit", help="register one unit (or change its name, kind, parent)")
    ounit.add_argument("code", help="official code, e.g. 000.00.06.H56")
    ounit.add_argument("--province", required=True)
    ounit.add_argument("--name", required=True)
    ounit.add_argument("--kind", required=True, help="e.g. provincial_centre, department")
    ounit.add_argument("--parent")

    cat = sub.add_parser("catalogue", help="list the procedures with their process versions, "
                                           "statutory limits and sources")
    cat.add_argument("--province", default=None, help="only this province's")
    cat.add_argument("--json", action="store_true", help="as JSON")
    hist = sub.add_parser("history", help="prove dossiers' records intact")
    hsub = hist.add_subparsers(dest="action", required=True)
    hverify = hsub.add_parser("verify", help="check each dossier's hash chain and the daily "
                                             "anchors (and re-execute its history: --code, "
                                             "--reexecute), a line per dossier; exit 1 naming "
                                             "each dossier and event at fault")
    hverify.add_argument("--province", help="only this province (default: all)")
    hverify.add_argument("--since", help="only dossiers received on or after this date")
    hverify.add_argument("--code", help="only this dossier, its history re-executed (as GET "
                                        "/dossiers/{code}/history/verify)")
    hverify.add_argument("--reexecute", action="store_true",
                         help="also re-execute every dossier's history on its version (as "
                              "over HTTP; about a thousand times slower than the chains)")
    hverify.add_argument("--jobs", type=int, default=1, metavar="N",
                         help="processes checking dossiers side by side (e.g. this machine's "
                              "CPUs; default 1); the lines keep the order of reception")
    hanchor = hsub.add_parser("anchor", help="write the daily anchors of the days that ended "
                                             "without one (workers do it every 5 minutes)")
    hanchor.add_argument("--province", help="only this province (default: all)")

    calendar = sub.add_parser("calendar", help="import calendar overrides, try time limits")
    csub = calendar.add_subparsers(dest="action", required=True)
    cimport = csub.add_parser("import", help="merge override rows from a CSV into a calendar")
    cimport.add_argument("--id", required=True, help="calendar id (created from vn if new)")
    cimport.add_argument("--province", help="owning province (not for vn)")
    cimport.add_argument("--file", required=True,
                         help="CSV with the header date,kind,reason,effective_from[,hours]")
    cadd = csub.add_parser("add", help="print the due instant of a time limit")
    cadd.add_argument("--id", required=True)
    cadd.add_argument("--province", required=True)
    cadd.add_argument("--start", required=True, help="ISO instant with offset")
    cadd.add_argument("--working-days", type=float)
    cadd.add_argument("--working-hours", type=float)
    cadd.add_argument("--calendar-days", type=int)
    cadd.add_argument("--months", type=int)

    args = parser.parse_args(argv)
    settings = Settings.from_env(os.environ)

    if args.command == "migrate":
        from engine.store.migrate import upgrade

        upgrade(settings.database_url)
        print("database is up to date")
    elif args.command == "settings":
        for name, default, text in Settings.describe():
            print(f"{name}={default}\t{text}")
    elif args.command == "principal":
        from engine.services.org.auth import create_principal
        from engine.wiring import build_context

        try:
            made, token = create_principal(build_context(settings), name=args.name,
                                           role=args.role, province=args.province,
                                           unit=args.unit, position=args.position)
        except MotcuaError as exc:
            return refused(exc)
        print(f"created {made.role} {made.name} (id {made.id}) in {made.province}")
        print(token)
    elif args.command == "demo":
        from api.demo import load_demo, load_week

        make_hint = "PORT={port} make run (or --port {port})"
        if args.serve and not _can_listen(args.host, args.port, make_hint):
            return 2
        load_demo(settings)
        if not args.no_dossiers:
            load_week(settings)
        if args.serve:
            from api.serve import serve_embedded

            serve_embedded(settings, args.host, args.port)
    elif args.command == "serve":
        from api.serve import serve_embedded, serve_gunicorn

        if args.workers > 0 and settings.embedded:
            # Jobs (timers, clock crossings) would be queued in a broker that lives and
            # dies inside each gunicorn process, with no worker to run them.
            print("serve --workers N is the production shape: set MOTCUA_REDIS_URL and run "
                  "`motcua worker` beside it (or use `motcua serve` alone)", file=sys.stderr)
            return 2
        if not _can_listen(args.host, args.port, "--port {port}"):
            return 2
        if args.workers > 0:
            _metrics_family(settings, "serve")
            serve_gunicorn(args.host, args.port, args.workers, settings.http_threads)
        else:
            serve_embedded(settings, args.host, args.port)
    elif args.command == "worker":
        _metrics_family(settings, "worker")
        os.execvp(sys.executable, [sys.executable, "-m", "dramatiq", "engine.jobs.worker",
                                   "--processes", str(args.processes),
                                   "--threads", str(args.threads)])
    elif args.command == "calendar":
        return _calendar(args, settings)
    elif args.command == "catalogue":
        from api.catalogue_cli import run_catalogue

        return run_catalogue(settings, args.province, args.json)
    elif args.command == "history" and args.action == "anchor":
        from api.audit import run_anchor

        return run_anchor(args.province, settings)
    elif args.command == "history":
        from api.history_cli import run_verify

        return run_verify(args.province, args.since, settings, args.code, args.reexecute,
                          args.jobs)
    elif args.command == "org" and args.action == "unit":
        from api.org_import import register_one

        return register_one(args.code, args.province, settings, name=args.name,
                            kind=args.kind, parent=args.parent)
    elif args.command == "org":
        from api.org_import import run_import

        return run_import(args.files, args.province, args.tokens, settings)
    return 0


def _calendar(args: argparse.Namespace, settings: Settings) -> int:
    """`motcua calendar import|add`; business errors print their fields and exit 2."""
    from engine.calendar import to_local
    from engine.services.design import calendars
    from engine.wiring import build_context

    ctx = build_context(settings)
    try:
        if args.action == "import":
            try:
                with open(args.file, encoding="utf-8") as f:
                    text = f.read()
            except OSError as exc:
                print(f"error: file: {exc}", file=sys.stderr)
                return 2
            merged = calendars.import_overrides_csv(ctx, args.id, text, args.province)
            print(f"merged {merged} rows into calendar {args.id}")
        else:
            start = calendars.parse_instant(args.start)
            due = calendars.due_instant(
                ctx, args.province, args.id, start, working_days=args.working_days,
                working_hours=args.working_hours, calendar_days=args.calendar_days,
                months=args.months)
            print(to_local(due).isoformat())
    except MotcuaError as exc:
        return refused(exc)
    finally:
        if ctx.db_engine is not None:
            ctx.db_engine.dispose()
    return 0


def _metrics_family(settings: Settings, kind: str) -> None:
    """Before any process of the family starts: the directory where each keeps its
    metrics (prometheus_client's multiprocess mode, chosen by the variable at its import in
    each child), fresh for this parent (engine.metrics.files)."""
    from engine.metrics.files import ENV, base_dir, start_family

    base = base_dir(settings.metrics_dir, settings.database_url)
    os.environ[ENV] = str(start_family(base, kind))


def _can_listen(host: str, port: int, hint: str) -> bool:
    """True if a server may listen on host:port; else one line on stderr saying how to
    choose another port (`hint`, with {port}: how this command is given one)."""
    from api.serve import cannot_listen, free_port_after

    problem = cannot_listen(host, port)
    if problem is None:
        return True
    if problem.errno == errno.EADDRINUSE:
        free = free_port_after(host, port)
        choose = f": choose another with {hint.format(port=free)}" if free else ""
        print(f"port {port} is in use on {host}{choose}", file=sys.stderr)
    else:
        print(f"cannot listen on {host}:{port}: {problem.strerror or problem}", file=sys.stderr)
    return False


def refused(exc: MotcuaError) -> int:
    """A business error on stderr, each field at fault on a line of its own; exit code 2."""
    print(f"error: {exc.message}", file=sys.stderr)
    for item in exc.errors:
        print(f"  {item.get('field', '')}: {item.get('message', '')}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
