"""The `motcua` command: serve, worker, migrate, principal create, demo."""
from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

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
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)

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
        from engine.services.auth import create_principal
        from engine.wiring import build_context

        made, token = create_principal(build_context(settings), name=args.name, role=args.role,
                                       province=args.province, unit=args.unit,
                                       position=args.position)
        print(f"created {made.role} {made.name} (id {made.id}) in {made.province}")
        print(token)
    elif args.command == "demo":
        from api.demo import load_demo

        load_demo(settings)
        if args.serve:
            from api.serve import serve_embedded

            serve_embedded(settings, args.host, args.port)
    elif args.command == "serve":
        from api.serve import serve_embedded, serve_gunicorn

        if args.workers > 0:
            serve_gunicorn(args.host, args.port, args.workers)
        else:
            serve_embedded(settings, args.host, args.port)
    elif args.command == "worker":
        os.execvp(sys.executable, [sys.executable, "-m", "dramatiq", "engine.jobs.worker",
                                   "--processes", str(args.processes),
                                   "--threads", str(args.threads)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
