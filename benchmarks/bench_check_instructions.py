"""Client instructions a deconfliction re-check costs through the API, counted by valgrind (callgrind).

    python benchmarks/bench_check_instructions.py [--requests 40] [--warm-up 30]
        [--operations 100000] [--interests 100000] [--pool 2000] [--seed 7] [--spread 10]
        [--backend postgresql|sqlite] [--code DIR ...]

On this shared 2-core machine the speed drifts by a third within an hour, so times of runs one after
another cannot tell a 5% change from the drift. The instructions a process executes do not drift: run
twice, the same requests differ by less than 0.01%. So this counts them, for one process that serves
``POST /api/deconfliction/check`` as the HTTP benchmark's load does (the application built from the
environment, its ASGI interface driven by httpx in the same process, so the handler runs where it
runs under uvicorn: on the event loop's thread since the seventeenth session, in FastAPI's thread pool
before), re-checking random operations of a checked pool, one at a time.

It fills a store as ``bench_deconfliction_http.py`` does (with this checkout's code), then for each ``--code`` directory (a checkout
of Crimelink; by default this one) runs that code's application under ``valgrind --tool=callgrind``,
with counting switched on only after ``--warm-up`` requests (imports and first calls excluded), for
``--requests`` and for twice as many requests: the difference, divided by ``--requests``, is the
instructions a request costs. Give two checkouts (``git worktree add``) to compare two versions on
the same store in the same run.

What it does not count: the database server's work, and the kernel's (each round trip's system calls):
a change that saves a round trip saves more than it shows here. Needs valgrind (``apt-get install
valgrind``). It takes a few minutes a checkout (the server under valgrind runs about fifty times slower).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_deconfliction import SPREAD, started_postgres
from bench_deconfliction_http import prepare

from crimelink.store.engine import make_engine
from crimelink.store.local_postgres import LocalPostgres

_SECRET = "instruction-benchmark-" + "k" * 40


def serve_requests(config: dict[str, Any], warm_up: int, requests: int, go_file: str) -> None:
    """The child under valgrind: ``warm_up`` checks, a word to the parent, then ``requests`` checks."""
    import httpx

    from crimelink.web.app import app_from_environment

    app = app_from_environment()
    rng = random.Random(config["seed"])
    headers = {"Authorization": f"Bearer {config['token']}"}

    async def drive() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def check() -> None:
                body = {"operation_id": rng.choice(config["pool"])}
                answer = await client.post("/api/deconfliction/check", json=body, headers=headers)
                if answer.status_code != 200:
                    raise SystemExit(f"the check answered {answer.status_code}: {answer.text}")

            for _ in range(warm_up):
                await check()
            print("READY", flush=True)
            while not os.path.exists(go_file):  # the parent switches counting on, then says go
                time.sleep(0.1)
            for _ in range(requests):
                await check()

    asyncio.run(drive())


def counted(code: Path, config_file: Path, data_dir: Path, warm_up: int, requests: int) -> int:
    """Instructions the child running ``code`` executed over its ``requests`` checks (and the switch)."""
    go_file = data_dir / f"go-{requests}"
    go_file.unlink(missing_ok=True)
    config = json.loads(config_file.read_text())
    env = {
        **os.environ,
        "PYTHONPATH": str(code),
        "CRIMELINK_DATABASE_URL": config["url"],
        "CRIMELINK_DATA_DIR": str(data_dir),
        "CRIMELINK_SECRET_KEY": _SECRET,
    }
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={data_dir}/callgrind.%p.out",
        sys.executable,
        __file__,
        "--child",
        str(config_file),
        str(warm_up),
        str(requests),
        str(go_file),
    ]
    child = subprocess.Popen(
        command, env=env, cwd=code, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert child.stdout is not None
    output: list[str] = []
    for line in child.stdout:
        output.append(line)
        if line.strip() == "READY":
            subprocess.run(["callgrind_control", "-i", "on", str(child.pid)], check=True, capture_output=True)
            go_file.touch()
            break
    output.extend(child.stdout)
    if child.wait() != 0:
        raise SystemExit(f"the counted run of {code} failed:\n{''.join(output[-30:])}")
    found = re.search(r"Collected : (\d+)", "".join(output))
    if found is None:
        raise SystemExit(f"valgrind reported no count for {code}:\n{''.join(output[-30:])}")
    return int(found.group(1))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        config_file, warm_up, requests, go_file = sys.argv[2:6]
        serve_requests(json.loads(Path(config_file).read_text()), int(warm_up), int(requests), go_file)
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=40, help="checks counted (and twice as many)")
    parser.add_argument("--warm-up", type=int, default=30, help="checks before counting starts")
    parser.add_argument("--operations", type=int, default=100_000)
    parser.add_argument("--interests", type=int, default=100_000)
    parser.add_argument("--pool", type=int, default=2000, help="operations the checks pick from")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--spread", type=float, default=10.0, help="as bench_deconfliction.py's --spread")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument(
        "--code",
        type=Path,
        action="append",
        help="a checkout of Crimelink whose code serves the checks (repeat to compare); default this one",
    )
    args = parser.parse_args()
    args.postgres_over = "socket"
    SPREAD[0] = args.spread
    codes = [path.resolve() for path in (args.code or [Path(__file__).resolve().parent.parent])]
    print("command: python " + " ".join(sys.argv))
    print(
        f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, python {platform.python_version()}"
    )
    server = LocalPostgres() if args.backend == "postgresql" else None
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        try:
            url = started_postgres(server, args) if server else f"sqlite:///{data_dir / 'deconfliction.db'}"
            engine = make_engine(url)
            token, pool, counts = prepare(engine, args)  # by this checkout's code
            engine.dispose()
            print(
                f"[{args.backend}] filled {counts['operations']:,} operations and {counts['interests']:,} "
                f"interests, checked a pool of {len(pool):,} once"
            )
            config_file = data_dir / "config.json"
            config_file.write_text(json.dumps({"url": url, "token": token, "pool": pool, "seed": args.seed}))
            for code in codes:
                once = counted(code, config_file, data_dir, args.warm_up, args.requests)
                twice = counted(code, config_file, data_dir, args.warm_up, 2 * args.requests)
                print(f"{code}: {(twice - once) / args.requests:,.0f} instructions a check")
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
