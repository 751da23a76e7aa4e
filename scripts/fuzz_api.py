"""Fuzz the served API against its own OpenAPI document, as a client would (`make verify`).

Builds the demo city in a scratch folder, serves it on 127.0.0.1, files one request and shares
one clip so that real ids exist, then runs the schemathesis command line once with no token and
once with each role's token, every operation each time. Checks: no server error, status codes,
content types, headers and bodies as documented, negative data rejected, a 405's `Allow`, and
every error with a human `detail` and a stable `code` (scripts/fuzz_checks.py). Schema-valid
input refused by a workflow rule (an area outside the policy's bounds, ...) is by design and
not checked, as in tests/security/test_fuzz.py.

Seeded (`--seed`), bounded (`--examples` per operation, `--budget` seconds in all), offline
(only 127.0.0.1 is called) and failing (exit 1) on any finding; the console shows each finding
with a curl line that reproduces it. `python -m scripts.fuzz_api --help`.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from app.store.scratch_schema import ScratchSchema

BIN = Path(sys.executable).parent
# The order matters: each run changes the city (the resident's run may opt her out, the
# operator's may end the agency's partnership), so the runs that change most come last.
ROLES = ("none", "auditor", "resident", "agency", "operator")
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
    "missing_required_header,unsupported_method,allow_header_conformance,use_after_free,"
    "ensure_resource_availability,ignored_auth,error_has_detail_and_code"
)
# A body over CONSENTGATE_MAX_BODY_BYTES is rejected with 413 (documented); schemathesis' own
# list of rejection statuses lacks it. The rest is its default list.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]


def call(url: str, token: str = "", body: Any = None, method: str = "GET") -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (127.0.0.1)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def wait_until_up(base: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with status {server.returncode}")
        try:
            call(f"{base}/healthz")
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {base}/healthz within {seconds:.0f} s")


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line[len("export ") :].split("=", 1)
            values[name] = shlex.split(value)[0] if value else ""
    return values


def walkthrough(base: str, demo: dict[str, str]) -> dict[str, list[str]]:
    """The README's walkthrough, so that ids the fuzzer can reach exist: a request, its notices,
    a consent, a release."""
    request = call(
        f"{base}/portal/requests",
        demo["AGENCY_TOKEN"],
        method="POST",
        body={
            "case_number": "FUZZ-0001",
            "incident_type": "package_theft",
            "description": "Package taken from a porch",
            "area": {
                "center_lat": float(demo["INCIDENT_LAT"]),
                "center_lng": float(demo["INCIDENT_LNG"]),
                "radius_m": 200,
            },
            "window": {"start": demo["WINDOW_START"], "end": demo["WINDOW_END"]},
        },
    )
    if request["status"] == "pending_review":  # a moderated policy (CONSENTGATE_POLICY)
        approve = f"{base}/operator/requests/{request['id']}/approve"
        call(approve, demo["OPERATOR_TOKEN"], method="POST")
    inbox = call(f"{base}/me/requests/{request['id']}", demo["RESIDENT_TOKEN"])
    clips = [clip["id"] for clip in inbox["matching_clips"]]
    share = call(
        f"{base}/me/requests/{request['id']}/share",
        demo["RESIDENT_TOKEN"],
        method="POST",
        body={"clip_ids": clips[:1]},
    )
    footage = call(f"{base}/portal/requests/{request['id']}/footage", demo["AGENCY_TOKEN"])
    agencies = call(f"{base}/operator/agencies", demo["OPERATOR_TOKEN"])
    subjects: dict[str, list[str]] = {}
    start: int | None = 0
    while start is not None:
        page = call(f"{base}/audit/entries?start={start}&limit=1000", demo["AUDITOR_TOKEN"])
        for entry in page["data"]:
            subjects.setdefault(entry["subject_type"], []).append(entry["subject_id"])
        start = page["next_start"]
    notices, cameras = subjects["notice"], subjects["camera"]
    return {
        "request_id": [request["id"]],
        "consent_id": [share["consent"]["id"]],
        "release_id": [item["release_id"] for item in footage["data"]],
        "agency_id": [a["id"] for a in agencies["data"][:2]],
        "resident_id": subjects["resident"][:2],
        "camera_id": [inbox["matching_clips"][0]["camera_id"], *cameras[:1]],
        "notice_id": notices[:2],
        "clip": clips,
    }


# The integers where a store's column or a driver gives out (32-bit INTEGER on PostgreSQL, 64-bit
# on SQLite): the generator rarely draws them for an unbounded parameter. TOML's own limit is
# 2**63 - 1.
EDGE_INTEGERS = [2**31, 2**63 - 1]


def integer_parameters(document: dict[str, Any]) -> list[str]:
    """The integer parameters ("query.size", "path.index", ...) of the OpenAPI document with no
    maximum below the edges; a bounded one has its bound tried by the coverage phase anyway."""
    found = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                schemas = [schema, *schema.get("anyOf", [])]
                integer = any(s.get("type") == "integer" for s in schemas)
                bounded = any(
                    s.get("maximum", EDGE_INTEGERS[0]) < EDGE_INTEGERS[0] for s in schemas
                )
                if integer and not bounded and parameter["in"] in ("query", "path"):
                    found.add(f"{parameter['in']}.{parameter['name']}")
    return sorted(found)


def config_text(ids: dict[str, list[str]], integers: list[str], examples: int) -> str:
    """schemathesis.toml: the real ids as dictionaries the generator draws from most of the time
    (the rest is generated), so that the fuzz reaches past 404; the edge integers now and then."""
    lines = [
        "[cache]",
        "enabled = false",  # no replay of a previous run's failures: the same cases every run
        "[generation]",
        f"max-examples = {examples}",
        "database = 'none'",
        "[checks]",
        "positive_data_acceptance.enabled = false",
        f"negative_data_rejection.expected-statuses = {json.dumps(REJECTIONS)}",
        "[dictionaries]",
    ]
    lines += [f"{name} = {{ values = {json.dumps(values)} }}" for name, values in ids.items()]
    lines.append(f"edge_integer = {{ values = {json.dumps(EDGE_INTEGERS)} }}")
    lines.append("[parameters]")
    for name in integers:
        lines.append(f'"{name}" = {{ dictionary = "edge_integer", probability = 0.3 }}')
    for name in ids:
        if name.endswith("_id"):
            lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.7 }}')
    lines.append('"body.clip_ids[*]" = { dictionary = "clip", probability = 0.7 }')
    return "\n".join(lines) + "\n"


def fuzz(args: argparse.Namespace, scratch: Path) -> int:
    deadline = time.monotonic() + args.budget
    env = {
        **os.environ,
        "CONSENTGATE_ENV": "development",
        "CONSENTGATE_DB_PATH": str(scratch / "city.db"),
        "CONSENTGATE_SECRET_FILE": str(scratch / "secret.key"),
        "CONSENTGATE_LOG_KEY_FILE": str(scratch / "log.key"),
        "CONSENTGATE_DEMO_ENV_FILE": str(scratch / "demo.env"),
        # The fuzzer is not a dragnet: a 429 would hide what the route itself answers.
        "CONSENTGATE_RATE_FILINGS_PER_HOUR": "100000",
        "CONSENTGATE_RATE_TOKENS_PER_HOUR": "100000",
    }
    for name in ("DATABASE_URL", "CONSENTGATE_DATABASE_URL", "CONSENTGATE_SECRET"):
        env.pop(name, None)
    if args.postgres:
        schema = ScratchSchema(args.postgres, "fuzz")
        env["DATABASE_URL"] = schema.url
        try:
            return serve_and_fuzz(args, scratch, env, deadline)
        finally:
            schema.drop()
    return serve_and_fuzz(args, scratch, env, deadline)


def serve_and_fuzz(
    args: argparse.Namespace, scratch: Path, env: dict[str, str], deadline: float
) -> int:
    base = f"http://127.0.0.1:{args.port}"
    seed = [BIN / "consentgate", "seed", "--url", base]
    subprocess.run(seed, env=env, check=True, capture_output=True)  # noqa: S603 (our own command)
    demo = read_env(scratch / "demo.env")
    log = (scratch / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603 (our own command)
        [BIN / "consentgate", "serve", "--port", str(args.port), "--tick-seconds", "0"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(base, server)
        config = scratch / "schemathesis.toml"
        integers = integer_parameters(call(f"{base}/openapi.json"))
        config.write_text(config_text(walkthrough(base, demo), integers, args.examples))
        root = str(Path(__file__).resolve().parent.parent)
        hooks = {
            **env,
            "SCHEMATHESIS_HOOKS": "scripts.fuzz_hooks",
            "PYTHONPATH": os.pathsep.join([root, env.get("PYTHONPATH", "")]),
        }
        failed = []
        for role in ROLES:
            token = demo.get(f"{role.upper()}_TOKEN", "")
            command = [
                str(BIN / "schemathesis"),
                "--config-file",
                str(config),
                "run",
                f"{base}/openapi.json",
                "--checks",
                CHECKS,
                "--seed",
                str(args.seed),
                "--workers",
                "1",  # one request at a time: the city's state, and so the run, repeats
                "--no-color",
            ]
            if token:
                command += ["--header", f"Authorization: Bearer {token}"]
            started = time.monotonic()
            print(f"== schemathesis as {role} (seed {args.seed})", flush=True)
            try:
                left = max(deadline - started, 1)
                done = subprocess.run(  # noqa: S603 (our own command)
                    command, env=hooks, cwd=scratch, timeout=left, check=False
                )
                status = done.returncode
            except subprocess.TimeoutExpired:
                print(f"   stopped: the {args.budget} s budget is spent", flush=True)
                status = -1
            print(f"== {role}: exit {status} in {time.monotonic() - started:.0f} s", flush=True)
            if status != 0:
                failed.append(role)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    if failed:
        where = f"server log: {scratch}/server.log" if args.keep else "--keep DIR keeps its log"
        print(f"API fuzz: findings as {', '.join(failed)} ({where})")
        return 1
    print(f"API fuzz: no findings over {len(ROLES)} runs ({', '.join(ROLES)}), seed {args.seed}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8311, help="127.0.0.1 port to serve on")
    parser.add_argument("--seed", type=int, default=0, help="schemathesis' seed")
    parser.add_argument("--examples", type=int, default=10, help="examples per operation")
    parser.add_argument(
        "--budget", type=int, default=170, help="seconds for the whole run; past them it fails"
    )
    parser.add_argument("--keep", type=Path, help="keep the city, config and server log here")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="serve the city from a scratch schema of this PostgreSQL database (dropped after)",
    )
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return fuzz(args, args.keep.resolve())
    with tempfile.TemporaryDirectory(prefix="consentgate-fuzz-") as scratch:
        return fuzz(args, Path(scratch))


if __name__ == "__main__":
    sys.exit(main())
