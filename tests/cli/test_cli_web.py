"""`crimelink user add`, `crimelink demo users`, `crimelink demo load` twice and `crimelink serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crimelink.cli import app
from crimelink.services.auth import verify_password
from crimelink.settings import get_settings
from crimelink.store.engine import make_engine
from crimelink.store.models import SharingAgreement, User

runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CRIMELINK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CRIMELINK_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    invoke("db", "upgrade")
    yield tmp_path
    get_settings.cache_clear()


def invoke(*args: str, stdin: str | None = None, code: int = 0) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == code, f"{result.output}\n{result.exception!r}"
    return result.output


def _users(store: Path) -> dict[str, User]:
    with Session(make_engine(f"sqlite:///{store / 'cli.db'}")) as session:
        return {u.username: u for u in session.scalars(select(User))}


def test_user_add_reads_the_password_from_stdin_and_applies_the_password_rules(store: Path) -> None:
    invoke("agency", "add", "LBX-TS", "Trading Standards", "--kind", "LA_TRADING_STANDARDS")
    output = invoke(
        "user",
        "add",
        "Jo.Smith",
        "--agency",
        "LBX-TS",
        "--role",
        "PARTNER_OFFICER",
        "--role",
        "ANALYST",
        "--clearance",
        "OFFICIAL-SENSITIVE",
        "--display-name",
        "Jo Smith",
        "--password-stdin",
        stdin="walnut harbour crescent\n",
    )
    assert "user jo.smith added to LBX-TS as ANALYST, PARTNER_OFFICER" in output
    user = _users(store)["jo.smith"]
    assert verify_password(user.password_hash, "walnut harbour crescent")
    assert user.clearance.value == "OFFICIAL-SENSITIVE"

    refused = invoke(
        "user", "add", "sam", "--agency", "LBX-TS", "--role", "ANALYST", "--password", "password1234", code=1
    )
    assert "not added: password: This is one of the most common passwords" in refused
    unknown = invoke("user", "add", "sam", "--agency", "NOPE", "--role", "ANALYST", code=1)
    assert "there is no agency with the code 'NOPE'" in unknown
    assert set(_users(store)) == {"jo.smith"}


def test_demo_load_twice_skips_the_second_time_and_demo_users_prints_one_sign_in_per_role(
    store: Path,
) -> None:
    demo = store / "demo"
    invoke("demo", "generate", "--out", str(demo), "--size", "500", "--seed", "3")
    assert "stored" in invoke("demo", "load", "--dir", str(demo))
    assert "is already loaded: nothing to do" in invoke("demo", "load", "--dir", str(demo))

    first = invoke("demo", "users")
    for role, username, password in [
        ("ORGANISED_CRIME_ADVISOR", "advisor.demo", "ashvale-demo-advisor-2026"),
        ("SAFEGUARDING_LEAD", "safeguarding.demo", "ashvale-demo-safeguarding-2026"),
        ("ADMINISTRATOR", "admin.demo", "ashvale-demo-admin-2026"),
    ]:
        assert role in first
        assert username in first
        assert password in first
    assert invoke("demo", "users") == first  # nothing created twice
    users = _users(store)
    assert len(users) == 8
    assert users["safeguarding.demo"].compartments == ["CHILDREN"]
    with Session(make_engine(f"sqlite:///{store / 'cli.db'}")) as session:
        assert len(session.scalars(select(SharingAgreement)).all()) >= 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _children(pid: int) -> list[int]:
    """The server processes ``pid`` started (not multiprocessing's resource tracker)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                command = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == pid and b"resource_tracker" not in command:
                found.append(int(entry))
    return found


@pytest.mark.parametrize("workers", [None, "2"])
def test_serve_answers_on_the_configured_host_and_port(store: Path, workers: str | None) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "CRIMELINK_DATA_DIR": str(store / "var"),
        "CRIMELINK_DATABASE_URL": f"sqlite:///{store / 'cli.db'}",
        "CRIMELINK_PORT": str(port),
    }
    if workers:
        env["CRIMELINK_WORKERS"] = workers
    server = subprocess.Popen(
        [sys.executable, "-c", "from crimelink.cli import main; main()", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                assert time.monotonic() < deadline, "crimelink serve did not start"
                time.sleep(0.2)
        assert page.status_code == 200
        assert "Sign in to Crimelink" in page.text
        assert "default-src 'self'" in page.headers["content-security-policy"]
        if workers:
            while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(_children(server.pid)) == 2, "two server processes"
            started = sorted(_children(server.pid))
            for _ in range(20):  # requests are answered, and neither process falls over answering them
                assert httpx.get(f"http://127.0.0.1:{port}/sign-in", timeout=5).status_code == 200
            assert sorted(_children(server.pid)) == started, "the same two processes"
        else:
            assert _children(server.pid) == [], "one process"
    finally:
        server.terminate()
        server.wait(timeout=10)
