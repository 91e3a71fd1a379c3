"""A throwaway local PostgreSQL cluster for tests and benchmarks (initdb + pg_ctl on a free port).

>>> server = LocalPostgres()          # doctest: +SKIP
>>> url = server.start()              # doctest: +SKIP
>>> local = server.socket_url()       # doctest: +SKIP  (the same server through its Unix socket)
>>> server.stop()                     # doctest: +SKIP
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from crimelink.errors import ConfigurationError


class PostgresUnavailableError(ConfigurationError):
    """The PostgreSQL server binaries are not installed."""


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, found)
    if not candidates:
        raise PostgresUnavailableError(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: install the 'postgresql' package"
        )
    return Path(os.path.realpath(candidates[0])).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalPostgres:
    """A cluster in a temporary directory. As root it runs as 'postgres', since initdb refuses root.

    Durability settings are relaxed (``fsync=off``): this server holds only test and benchmark data.
    """

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.base = Path(tempfile.mkdtemp(prefix="crimelink-pg-"))
        self.data = self.base / "data"
        self.port = _free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            shutil.chown(self.base, user=self.user)

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            user=self.user,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            log_path = self.base / "server.log"
            log = log_path.read_text() if log_path.exists() else ""
            raise ConfigurationError(f"{args[0]} failed: {result.stderr}\n{result.stdout}\n{log}")

    def start(self) -> str:
        """Create and start the cluster; returns an admin URL (user ``crimelink``, database ``postgres``)."""
        self._run(
            "initdb", "-D", str(self.data), "-U", "crimelink", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.base / "server.log"), "-w", "-o", options, "start"
        )
        return f"postgresql+psycopg://crimelink@127.0.0.1:{self.port}/postgres"

    def socket_url(self, database: str = "postgres") -> str:
        """The server through its Unix socket (in the cluster's directory) rather than TCP on loopback.

        Where the application runs on the database's own host this is how it would connect: each round
        trip costs both sides less (a re-check on the deconfliction benchmark's store, about 6% less CPU
        of client and server together; ``benchmarks/RESULTS.md``, eleventh session).
        """
        return f"postgresql+psycopg://crimelink@/{database}?host={self.base}&port={self.port}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
