"""The test run's PostgreSQL: the machine's server on 127.0.0.1:5432 (user postgres, trust authentication), a
database of the run's own, made at the first test that needs it and dropped at the end.

When the server is not running, the PostgreSQL tests FAIL with this instruction; they are never skipped.
"""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest

SERVER = os.environ.get("WIJKBOT_TEST_POSTGRESQL", "postgresql://postgres@127.0.0.1:5432")
START = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"


def _psql(database: str, sql: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["psql", f"{SERVER}/{database}", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                          capture_output=True, text=True, timeout=60, check=False)


def create_test_database() -> str:
    name = f"wijkbot_test_{os.getpid()}_{secrets.token_hex(3)}"
    done = _psql("postgres", f"CREATE DATABASE {name}")
    if done.returncode != 0:
        pytest.fail(f"PostgreSQL at {SERVER} cannot be used ({done.stderr.strip()}). The [postgresql] tests need "
                    f"it: start it with `{START}` (.ci/run does), or point WIJKBOT_TEST_POSTGRESQL at a server "
                    "where user postgres may create databases.", pytrace=False)
    # A test run need not wait for each commit to reach the disk (a crash of the server loses the run anyway).
    _psql("postgres", f"ALTER DATABASE {name} SET synchronous_commit = off")
    return f"{SERVER}/{name}"


def drop_test_database(dsn: str) -> None:
    _psql("postgres", f"DROP DATABASE IF EXISTS {dsn.rsplit('/', 1)[1]} WITH (FORCE)")
