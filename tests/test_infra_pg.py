"""The test infrastructure itself: the throwaway PostgreSQL server and the db_url fixture."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, text


@pytest.mark.postgres
def test_pg_server_answers_and_listens_only_on_loopback(pg_server) -> None:
    with psycopg.connect(pg_server.conninfo(), autocommit=True) as conn:
        version = conn.execute("select version()").fetchone()
        assert version is not None and str(version[0]).startswith("PostgreSQL ")
        listen = conn.execute("show listen_addresses").fetchone()
        assert listen == ("127.0.0.1",)
        server_addr = conn.execute("select host(inet_server_addr())").fetchone()
        assert server_addr == ("127.0.0.1",)

    # A server bound to a wildcard address would also accept on other loopback
    # addresses; one bound to 127.0.0.1 only must refuse them.
    for addr in ("127.0.0.2",):
        with (
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s,
            pytest.raises(ConnectionRefusedError),
        ):
            s.settimeout(5)
            s.connect((addr, pg_server.port))


def test_db_url_connects(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.fresh_schema
def test_db_url_is_a_fresh_database(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        assert inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(text("create table marker (id integer primary key)"))
        assert inspect(engine).get_table_names() == ["marker"]
    finally:
        engine.dispose()


def test_frozen_now(frozen_now) -> None:
    assert datetime.now() == datetime(2026, 11, 23, 9, 0)
    frozen_now.advance(days=1, hours=2)
    assert datetime.now() == datetime(2026, 11, 24, 11, 0)
    frozen_now.move_to(datetime(2027, 1, 1, 8, 30))
    assert frozen_now.now() == datetime(2027, 1, 1, 8, 30)
    frozen_now.shift(timedelta(minutes=-30))
    assert datetime.now() == datetime(2027, 1, 1, 8, 0)
