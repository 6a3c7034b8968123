"""A throw-away PostgreSQL database for a test: created on the server, dropped afterwards.

    url = create_database()        # postgresql://postgres@127.0.0.1:5432/commune_edge_test_<random>
    ...
    drop_database(url)

The server is $TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres). Outside CI
(env CI unset) an unreachable server is a skip with the reason; in CI it is a failure.
"""

from __future__ import annotations

import os
import secrets

SERVER_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def server_problem() -> str | None:
    """None when the server answers, else why not."""
    try:
        import psycopg
        with psycopg.connect(SERVER_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except Exception as e:  # noqa: BLE001 - any reason to not reach it is reported
        return f"PostgreSQL at {SERVER_URL} unreachable: {str(e).strip()[:200]}"


def require_server() -> None:
    """Skip (outside CI) or fail (in CI) when the server is unreachable."""
    import pytest
    problem = server_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem + " (CI is set: PostgreSQL tests may not be skipped)")
        pytest.skip(problem)


def _with_db(url: str, name: str) -> str:
    base = url.rsplit("/", 1)[0]
    return f"{base}/{name}"


def create_database(prefix: str = "commune_edge_test") -> str:
    import psycopg
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return _with_db(SERVER_URL, name)


def drop_database(url: str) -> None:
    import psycopg
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
