"""A PostgreSQL cluster and a redis-server of the stack tests' own (tests/processes.py), never the
shared ones: these tests stop and restart them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.processes import PostgresServer, RedisServer
from tests.stack.stack import SETUP, Stack


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    server.init()
    server.start()
    try:
        yield server
    finally:
        print(server.log.read_text(errors="replace")[-2000:])  # shown when the test fails
        server.destroy()


@pytest.fixture
def broker(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stack(tmp_path, postgres: PostgresServer, broker: RedisServer) -> Iterator[Stack]:
    """The production stack on a new database, migrated, with the site and liaison of
    ``SETUP``; its logs are printed afterwards (pytest shows them when the test fails)."""
    postgres.create_database("psp")
    running = Stack(tmp_path / "stack", postgres.url("psp"), broker.url, tmp_path / "uploads")
    try:
        running.start()
        running.shell(SETUP)
        yield running
    finally:
        print(running.logs())
        running.stop()
