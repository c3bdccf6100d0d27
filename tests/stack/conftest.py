"""A PostgreSQL cluster and a redis-server of the stack tests' own (tests/processes.py), never the
shared ones: these tests stop and restart them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.processes import PostgresServer, RedisServer


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
