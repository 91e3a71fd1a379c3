"""The throwaway PostgreSQL server the tests and benchmarks start, reached over TCP and its Unix socket."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crimelink.store.engine import make_engine
from crimelink.store.local_postgres import LocalPostgres


@pytest.mark.postgres
def test_the_same_server_answers_through_its_unix_socket_and_over_tcp() -> None:
    server = LocalPostgres()
    try:
        tcp = make_engine(server.start())
        local = make_engine(server.socket_url())
        with tcp.connect() as connection:
            connection.execute(text("CREATE TABLE marker (note text)"))
            connection.execute(text("INSERT INTO marker VALUES ('written over TCP')"))
            connection.commit()
            assert connection.scalar(text("SELECT inet_server_addr()::text")) == "127.0.0.1/32"
        with local.connect() as connection:
            # No server address: the connection came through the socket, and it is the same server.
            assert connection.scalar(text("SELECT inet_server_addr()")) is None
            assert connection.scalar(text("SELECT note FROM marker")) == "written over TCP"
        tcp.dispose()
        local.dispose()
    finally:
        server.stop()
