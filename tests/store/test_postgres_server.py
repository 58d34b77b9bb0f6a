"""The tests' own PostgreSQL: started as its own user, a fresh database per test."""

import psycopg

from tests.support.postgres import PostgresServer


def test_each_test_gets_an_empty_database_it_can_write(postgres_url: str) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE t (x int)")
        conn.execute("INSERT INTO t VALUES (1)")
        row = conn.execute("SELECT count(*) FROM t").fetchone()
    assert row == (1,)


def test_a_stopped_server_starts_again_with_its_data(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    with psycopg.connect(postgres_url) as conn:
        conn.execute("CREATE TABLE kept (x int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    postgres_server.stop()
    postgres_server.start()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == (7,)
