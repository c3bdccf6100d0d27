"""Real server processes of a test's own, for the fault and production-stack tests: a
redis-server and a PostgreSQL cluster on free loopback ports, never the shared ones, so a test
can stop or restart them without touching anyone else's work."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import redis

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], T], timeout: float = 120.0, what: str = "it") -> T:
    """Poll ``predicate`` until it returns something true; fail naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} did not get there in {timeout:.0f} s")


class RedisServer:
    """A redis-server of this test's own, on a free loopback port, without persistence."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None
        self.queue = ""  # a test may give the server's users a queue of their own

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


def _postgres_bin() -> Path | None:
    """The server programs of the newest PostgreSQL installed (Debian keeps them off PATH)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PostgresServer:
    """A PostgreSQL cluster of this test's own (``initdb`` in a temporary folder, a free port),
    so a test can stop and restart it under load as an operator would restart the database
    server. Runs as the ``postgres`` account when the test runs as root (PostgreSQL refuses
    root)."""

    def __init__(self) -> None:
        bindir = _postgres_bin()
        if bindir is None:
            raise AssertionError("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
        self.bindir = bindir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="psp-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.options = ""
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres")

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, capture_output=True, cwd=self.folder)

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args)

    def init(self) -> None:
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust"
        )
        self.options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"

    def start(self) -> None:
        self._pg_ctl("-o", self.options, "-w", "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "-w", "stop")

    def restart(self) -> None:
        """What ``pg_ctlcluster … restart`` does: a fast shutdown (every connection is cut),
        then a start."""
        self._pg_ctl("-m", "fast", "-o", self.options, "-w", "restart")

    def create_database(self, name: str) -> None:
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", name)  # fmt: skip

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)
