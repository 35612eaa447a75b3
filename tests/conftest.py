from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from bot import logs
from bot.app import App
from bot.clock import ManualClock
from tests import pg
from tests.support import Engine, Recorder, make_config

# Property tests (hypothesis) draw the same examples on every run, so CI never fails on a chance find; run with
# HYPOTHESIS_PROFILE=explore to search anew (and add what it finds as an @example).
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

# With pytest-xdist (`-n 2`) the tests run in two processes, each with its own PostgreSQL database, Synapse,
# emulators and temp folders. The tests that measure real time (the benchmarks, the two-process tests, the pacing
# tests: ALONE below, or marked ``alone``) must not share the machine's two cores with the other process, nor must
# the end-to-end tests that erase on PostgreSQL within a reply's timeout (ALONE_ON_POSTGRESQL: the erasure waits for
# every older transaction of the server, then rewrites the tables; the other process's CHECKPOINTs and
# transactions make that slower). Such a test waits until the other process has finished its current test, and
# the other process starts no test until it is done: an exclusive lock for them, a shared one for the rest,
# through a gate so that a waiting exclusive turn is not overtaken.
ALONE = ("tests/bench/", "tests/cluster/", "tests/channels/telegram/test_pacing_e2e.py",
         "tests/channels/matrix/test_rate_limit.py", "tests/channels/whatsapp/test_window.py",
         "tests/test_flood.py", "tests/channels/telegram/test_flood.py")
ALONE_ON_POSTGRESQL = ("tests/channels/telegram/test_forget.py", "tests/channels/matrix/test_forget_e2e.py",
                       "tests/channels/whatsapp/test_privacy.py",
                       "tests/channels/whatsapp/test_e2e.py::test_mydata_comes_as_a_text_plain_document_and_forget")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        on_postgresql = "[postgresql" in item.nodeid or "-postgresql" in item.nodeid
        if item.nodeid.startswith(ALONE) or (on_postgresql and item.nodeid.startswith(ALONE_ON_POSTGRESQL)):
            item.add_marker("alone")


def _turn_files(config: pytest.Config) -> tuple[int, int] | None:
    """The gate and the turn lock of this run's processes, in the run's temp folder (each process has a folder
    in it), or None without xdist: then nothing runs beside a test."""
    if getattr(config, "workerinput", None) is None:
        return None
    files: tuple[int, int] | None = getattr(config, "_wijkbot_turn_files", None)
    if files is None:
        run = config._tmp_path_factory.getbasetemp().parent  # type: ignore[attr-defined]
        gate, turn = (os.open(run / name, os.O_RDWR | os.O_CREAT, 0o600) for name in ("gate.lock", "turn.lock"))
        files = config._wijkbot_turn_files = (gate, turn)  # type: ignore[attr-defined]
    return files


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outside pytest-timeout's: waiting for a turn is not the test's time
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    files = _turn_files(item.config)
    if files is None:
        return (yield)
    gate, turn = files
    alone = item.get_closest_marker("alone") is not None
    fcntl.flock(gate, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
    try:
        fcntl.flock(turn, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
    finally:
        if not alone:
            fcntl.flock(gate, fcntl.LOCK_UN)
    try:
        return (yield)
    finally:
        fcntl.flock(turn, fcntl.LOCK_UN)
        if alone:
            fcntl.flock(gate, fcntl.LOCK_UN)


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
