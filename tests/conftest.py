from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import logs
from bot.app import App
from bot.clock import ManualClock
from tests import pg
from tests.support import Engine, Recorder, make_config


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def matrix_recorder() -> Recorder:
    return Recorder("matrix", can_send_files=True)


@pytest.fixture
def telegram_recorder() -> Recorder:
    return Recorder("telegram", can_send_files=True, accepts_photos=True)


@pytest.fixture
def logging_as_with_v() -> Iterator[None]:
    """The logger levels `wijkbot -v` sets: DEBUG, with the libraries that log values held back (bot/logs.py)."""
    logs.hold_back_libraries(logging.DEBUG)
    yield
    for name in logs.LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses the database (the ``engine`` fixture, which ``app`` uses) runs on both engines, unless
    it is marked ``sqlite_only`` (it reads SQLite's files; its PostgreSQL counterpart reads PostgreSQL's)."""
    if "engine" in metafunc.fixturenames:
        engines = ["sqlite", "postgresql"]
        if metafunc.definition.get_closest_marker("sqlite_only") is not None:
            engines = ["sqlite"]
        elif metafunc.definition.get_closest_marker("postgresql_only") is not None:
            engines = ["postgresql"]
        metafunc.parametrize("engine", engines, indirect=True)


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[str]:
    """This test run's own PostgreSQL database (each test gets a schema of its own), dropped at the end."""
    dsn = pg.create_test_database()
    yield dsn
    pg.drop_test_database(dsn)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> Iterator[str]:
    """The database engine of this test (a parameter: ``[sqlite]``, ``[postgresql]``); ``make_config`` and
    ``database_url`` (tests/support.py) follow it."""
    name = str(getattr(request, "param", "sqlite"))
    if name == "postgresql":
        Engine.dsn = request.getfixturevalue("postgresql_database")
    Engine.name = name
    try:
        yield name
    finally:
        Engine.name = "sqlite"


@pytest.fixture
async def app(tmp_path: Path, manual_clock: ManualClock, matrix_recorder: Recorder,
              telegram_recorder: Recorder, engine: str) -> AsyncIterator[App]:
    """The whole application on a temp database (SQLite, or a schema of its own in PostgreSQL), with recording
    channels and a manual clock."""
    application = App(make_config(tmp_path), [matrix_recorder, telegram_recorder], clock=manual_clock)
    await application.start(background=False)
    yield application
    await application.stop()


# SQLite's compile-time default for secure_delete differs between builds (Debian's is on, others' off). Every
# connection the tests open starts with it off, so the tests that read the raw bytes of the database and its WAL
# prove that wijkbot turns it on itself (bot/store/db.py) instead of relying on the build.
_sqlite_connect = sqlite3.connect


def _connect_with_secure_delete_off(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    connection = _sqlite_connect(*args, **kwargs)
    connection.execute("PRAGMA secure_delete=OFF")
    return connection


sqlite3.connect = _connect_with_secure_delete_off
