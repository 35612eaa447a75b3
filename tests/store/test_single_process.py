"""SQLite means one process (issue 17, point 5): a second `wijkbot run` on the same database file is refused with
one clear line naming the holder, and the lock never outlives its process, also after kill -9."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.store.broken import StorageError
from bot.store.single import SingleProcess
from tests.test_cli_storage import STORAGE_BROKEN, configs, start

HOLD = ("import sys, time; from bot.store.single import SingleProcess; SingleProcess(sys.argv[1]).acquire();"
        " print('held', flush=True); time.sleep(600)")


def holder(database: Path) -> subprocess.Popen[str]:
    """Another process holding the lock, as a running `wijkbot run` does."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(database)], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert proc.stdout is not None and proc.stdout.readline() == "held\n"
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    assert proc.stdout is not None
    proc.stdout.close()


def test_a_second_holder_is_refused_and_named_until_the_first_lets_go(tmp_path: Path) -> None:
    database = tmp_path / "wijkbot.sqlite3"
    first, second = SingleProcess(database), SingleProcess(database)
    first.acquire()
    with pytest.raises(StorageError) as refused:
        second.acquire()
    assert f"pid {os.getpid()}" in str(refused.value) and "PostgreSQL" in str(refused.value)
    first.release()
    second.acquire()
    assert second.held
    second.release()


def test_kill_9_of_the_holder_frees_the_database(tmp_path: Path) -> None:
    database = tmp_path / "wijkbot.sqlite3"
    proc = holder(database)
    with pytest.raises(StorageError):
        SingleProcess(database).acquire()
    stop(proc)
    after = SingleProcess(database)
    after.acquire()  # the kernel dropped the dead process's lock; the stale file blocks nothing
    after.release()


def test_wijkbot_run_beside_a_running_bot_says_so_in_one_line(tmp_path: Path) -> None:
    config = configs(tmp_path)["run"]
    (tmp_path / "data").mkdir()
    proc = holder(tmp_path / "data" / "wijkbot.sqlite3")
    try:
        result = start("run", config)
    finally:
        stop(proc)
    assert result.returncode == STORAGE_BROKEN, result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("wijkbot: The database ") and "is in use by another wijkbot process" in last
    assert f"(pid {proc.pid})" in last and "Two processes" in last
