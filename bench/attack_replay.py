"""Replay the attacks on the production shape and print how each was answered.

Starts `motcua serve --workers 2` and `motcua worker` on PostgreSQL + Redis (127.0.0.1
only), creates two provinces (HN, HCM) with every role, then sends each hostile request the
hardening issue lists and prints one line per case: what was expected, what came back. Exits
1 if any case got a 5xx or an unexpected answer.

    .venv/bin/python bench/attack_replay.py \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/attack \\
        --redis redis://127.0.0.1:6379/9 [--port 18080]

The database is emptied first (schema dropped): never point it at one that matters.
"""
from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TWO_STEPS = ROOT / "tests" / "unit" / "data" / "two_steps.bpmn"
FORMS = {p.name: p.read_bytes() for p in
         (ROOT / "tests/unit/data/receive.json", ROOT / "tests/unit/data/appraise.json")}
SCRIPTED = (ROOT / "tests/api/data/fail_after_receive.bpmn").read_text(encoding="utf-8")


class Server:
    def __init__(self, port: int) -> None:
        self.port = port

    def call(self, method: str, path: str, token: str | None = None, body: Any = None,
             raw: bytes | None = None, content_type: str = "application/json",
             headers: dict[str, str] | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        if data is not None:
            sent["Content-Type"] = content_type
        try:
            url = path if path.startswith("/health") else "/api/v1" + path
            try:
                conn.request(method, url, body=data, headers=sent)
            except (BrokenPipeError, ConnectionResetError):
                pass  # refused before the whole body was sent: its answer is already here
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        except (ConnectionError, http.client.HTTPException) as exc:
            return 599, f"connection: {exc}"
        finally:
            conn.close()

    def deploy(self, token: str, bpmn: bytes, forms: dict[str, bytes]) -> tuple[int, str]:
        boundary = "motcua" + uuid.uuid4().hex
        parts = [(b"bpmn", "diagram.bpmn", bpmn)] + [(b"forms", n, b) for n, b in forms.items()]
        out = b""
        for field, name, content in parts:
            out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field.decode()}\";"
                    f" filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    ).encode() + content + b"\r\n"
        out += f"--{boundary}--\r\n".encode()
        return self.call("POST", "/process-definitions", token, raw=out,
                         content_type=f"multipart/form-data; boundary={boundary}")


class Listener:
    """Counts connections on 127.0.0.1: a fetch the server must never make."""

    def __init__(self) -> None:
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.hits += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"type": "string"}')

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        raise SystemExit(f"motcua {' '.join(args)} failed: {out.stderr}")
    return out.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--port", type=int, default=18080)
    args = parser.parse_args()
    env = dict(os.environ, MOTCUA_DATABASE_URL=args.database, MOTCUA_REDIS_URL=args.redis,
               PYTHONPATH=str(ROOT))
    from sqlalchemy import create_engine, text

    engine = create_engine(args.database)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    cli(env, "migrate")
    tokens: dict[str, str] = {}
    for province, unit in (("HN", "000.00.01.H26"), ("HN", "000.00.02.H26"),
                           ("HCM", "000.00.01.H29")):
        cli(env, "org", "unit", unit, "--province", province, "--name", f"Unit {unit}",
            "--kind", "department")
    for province, unit in (("HN", "000.00.01.H26"), ("HCM", "000.00.01.H29")):
        for role, position in (("designer", None), ("client", None), ("officer", "reception"),
                               ("auditor", None), ("admin", None)):
            extra = ["--unit", unit] if role in ("client", "officer") else []
            extra += ["--position", position] if position else []
            tokens[f"{province}_{role}"] = cli(env, "principal", "create", "--name",
                                               f"{province} {role}", "--role", role,
                                               "--province", province, *extra)
    tokens["HN_client2"] = cli(env, "principal", "create", "--name", "HN client 2", "--role",
                               "client", "--province", "HN", "--unit", "000.00.01.H26")
    tokens["HN_other_unit"] = cli(env, "principal", "create", "--name", "HN other unit",
                                  "--role", "officer", "--province", "HN", "--unit",
                                  "000.00.02.H26", "--position", "reception")
    tokens["HN_no_position"] = cli(env, "principal", "create", "--name", "HN no position",
                                   "--role", "officer", "--province", "HN", "--unit",
                                   "000.00.01.H26")
    (ROOT / "var").mkdir(exist_ok=True)
    log = open(ROOT / "var" / "attack-replay.log", "w")  # noqa: SIM115
    procs = [subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--workers", "2",
                               "--port", str(args.port)], env=env, cwd=ROOT, stdout=log,
                              stderr=subprocess.STDOUT),
             subprocess.Popen([sys.executable, "-m", "api.cli", "worker", "--processes", "1"],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)]
    server = Server(args.port)
    try:
        deadline = time.monotonic() + 60
        while server.call("GET", "/health")[0] != 200:
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.3)
        results = run_cases(server, tokens)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        log.close()
    failed = [r for r in results if not r[2]]
    width = max(len(r[0]) for r in results)
    for name, got, ok in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name:{width}}  {got}")
    tracebacks = (ROOT / "var" / "attack-replay.log").read_text().count("Traceback")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed; "
          f"{tracebacks} tracebacks in the server logs")
    return 1 if failed or tracebacks else 0


def run_cases(s: Server, t: dict[str, str]) -> list[tuple[str, str, bool]]:
    results: list[tuple[str, str, bool]] = []

    def case(name: str, got: tuple[int, str], *expected: int) -> str:
        status, body = got
        results.append((name, f"{status} {body[:90]!r}", status in expected))
        return body

    for p in ("HN", "HCM"):
        assert s.deploy(t[f"{p}_designer"], TWO_STEPS.read_bytes(), FORMS)[0] == 201
    # 1. Form $ref: no fetch, no file read, no 500.
    listener = Listener()
    for ref in (f"http://127.0.0.1:{listener.port}/x.json", "file:///etc/passwd",
                "urn:example:x", "gopher://x/y"):
        form = json.dumps({"type": "object", "properties": {"copies": {"$ref": ref}}}).encode()
        body = case(f"form $ref {ref.split(':')[0]}",
                    s.deploy(t["HN_designer"], TWO_STEPS.read_bytes(),
                             {**FORMS, "receive.json": form}), 422)
        if "root:" in body:
            results.append(("form $ref file content not shown", body[:60], False))
    results.append(("no fetch from the listener", f"{listener.hits} hits", listener.hits == 0))
    # 2. Tenancy.
    cal = {"name": "Không làm việc", "parent": None,
           "weekly": {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
    case("HN admin PUT /calendars/vn", s.call("PUT", "/calendars/vn", t["HN_admin"], cal), 403)
    case("calendar without working time", s.call("PUT", "/calendars/closed", t["HN_designer"],
                                                  {**cal, "parent": "vn"}), 422)
    case("HCM takes calendar id x", s.call("PUT", "/calendars/x", t["HCM_designer"],
                                           {"name": "HCM"}), 200)
    case("HN may still use calendar id x", s.call("PUT", "/calendars/x", t["HN_designer"],
                                                  {"name": "HN"}), 200)
    intake = {"process_key": "two_steps", "applicant": {"name": "Nguyễn Văn A"}, "data": {}}
    body = case("HN client intake", s.call("POST", "/dossiers", t["HN_client"], intake), 201)
    code = json.loads(body)["code"]
    task = json.loads(body)["current_steps"][0]["task_id"]
    case("HCM client intake at an HN unit", s.call("POST", "/dossiers", t["HCM_client"],
                                                   {**intake, "unit": "000.00.01.H26"}), 422)
    # 3. Access inside a province.
    case("another client reads the dossier", s.call("GET", f"/dossiers/{code}",
                                                    t["HN_client2"]), 404)
    case("another client reads its history", s.call("GET", f"/dossiers/{code}/history",
                                                    t["HN_client2"]), 404)
    body = case("another client lists dossiers", s.call("GET", "/dossiers", t["HN_client2"]),
                200)
    results.append(("... and does not see it", body[:60], code not in body))
    case("another client delivers a message", s.call(
        "POST", f"/dossiers/{code}/messages/paid", t["HN_client2"], {"payload": {}}), 404)
    case("another unit's officer apologises", s.call(
        "POST", f"/dossiers/{code}/apology", t["HN_other_unit"],
        {"reason": "x", "new_appointment": "2030-01-07T08:00:00+07:00"}), 404)
    case("officer without position reads tasks", s.call("GET", "/tasks", t["HN_no_position"]),
         403)
    case("officer without position completes", s.call(
        "POST", f"/tasks/{task}/complete", t["HN_no_position"], {"data": {"copies": 1}}), 403)
    case("designer reads the dossier", s.call("GET", f"/dossiers/{code}", t["HN_designer"]),
         403)
    case("HCM auditor reads the HN dossier", s.call("GET", f"/dossiers/{code}",
                                                    t["HCM_auditor"]), 404)
    # 4. Unbounded work.
    for depth in (975, 1020, 5000):
        deep = ("[" * depth + "]" * depth).encode()
        case(f"JSON nested {depth}, no token", s.call("POST", "/dossiers", raw=deep), 422)
    case("60 MB body", s.call("POST", "/dossiers", t["HN_client"],
                              raw=b'{"x": "' + b"a" * 60_000_000 + b'"}'), 413)
    bomb = SCRIPTED.replace("SCRIPT", 'x = []\nwhile True:\n    x.append("a" * 1000000)')
    copies = (ROOT / "tests/api/data/copies.json").read_bytes()
    case("deploy the memory bomb", s.deploy(t["HN_designer"], bomb.encode(),
                                            {"copies.json": copies}), 201)
    body = case("intake of the memory bomb", s.call(
        "POST", "/dossiers", t["HN_client"], {**intake, "process_key": "fail_after_receive"}),
        201)
    bomb_task = next(x["task_id"] for x in json.loads(body)["current_steps"]
                     if x["element_id"] == "receive")
    case("completing into the memory bomb", s.call(
        "POST", f"/tasks/{bomb_task}/complete", t["HN_officer"], {"data": {"copies": 1}}),
        200, 409, 422)
    case("many parallel script tasks", s.deploy(t["HN_designer"], _parallel(5000), {}), 422)
    body = case("a chain of 1,000 tasks", s.deploy(t["HN_designer"], _chain(1000), {}),
                201, 422)
    results.append(("... answered without a RecursionError", body[:60],
                    "RecursionError" not in body))
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM '
             '"file:///etc/passwd">]>\n' + TWO_STEPS.read_text(encoding="utf-8").split(
                 "?>", 1)[1].replace('name="Receive"', 'name="&x;"')).encode("utf-16")
    body = case("UTF-16 diagram with an external entity", s.deploy(t["HN_designer"], utf16,
                                                                   FORMS), 422)
    results.append(("... the entity was not read", body[:60], "root:" not in body))
    # 5. A completion retried with its Idempotency-Key gets the first answer.
    key = {"Idempotency-Key": "retry-" + uuid.uuid4().hex}
    first = s.call("POST", f"/tasks/{task}/complete", t["HN_officer"],
                   {"data": {"copies": 1}}, headers=key)
    case("completion", first, 200)
    case("the same completion retried", s.call("POST", f"/tasks/{task}/complete",
                                                t["HN_officer"], {"data": {"copies": 1}},
                                                headers=key), 200)
    return results


def _parallel(n: int) -> bytes:
    tasks = "".join(f'<bpmn:scriptTask id="s{i}"><bpmn:incoming>a{i}</bpmn:incoming>'
                    f'<bpmn:outgoing>b{i}</bpmn:outgoing><bpmn:script>x = {i}</bpmn:script>'
                    f'</bpmn:scriptTask><bpmn:sequenceFlow id="a{i}" sourceRef="split" '
                    f'targetRef="s{i}"/><bpmn:sequenceFlow id="b{i}" sourceRef="s{i}" '
                    f'targetRef="join"/>' for i in range(n))
    return _process("parallel_bomb", '<bpmn:startEvent id="start"><bpmn:outgoing>f0'
                    '</bpmn:outgoing></bpmn:startEvent><bpmn:parallelGateway id="split"/>'
                    '<bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split"/>' + tasks +
                    '<bpmn:parallelGateway id="join"/><bpmn:endEvent id="end"/>'
                    '<bpmn:sequenceFlow id="fz" sourceRef="join" targetRef="end"/>')


def _chain(n: int) -> bytes:
    body = '<bpmn:startEvent id="start"/>'
    prev = "start"
    for i in range(n):
        body += (f'<bpmn:scriptTask id="t{i}"><bpmn:script>x = {i}</bpmn:script>'
                 f'</bpmn:scriptTask><bpmn:sequenceFlow id="f{i}" sourceRef="{prev}" '
                 f'targetRef="t{i}"/>')
        prev = f"t{i}"
    body += f'<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="fe" sourceRef="{prev}" ' \
            'targetRef="end"/>'
    return _process("chain", body)


def _process(key: str, body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn='
            '"http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">'
            f'<bpmn:process id="{key}" isExecutable="true">{body}</bpmn:process>'
            '</bpmn:definitions>').encode()


if __name__ == "__main__":
    sys.exit(main())
