"""Broken storage through the command line (issue 13, point 7): a data file that is not SQLite, a missing or
read-only data folder, a full disk while running. `wijkbot run` and `wijkbot shell` end within the time limit
with one line naming the file and the problem, exit non-zero, and leave what existed as it was."""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_cli import example_config, wijkbot

TELEGRAM = '\n[telegram]\ntoken = "123456:TEST-token"\napi_base_url = "http://127.0.0.1:9/bot"\n'
STORAGE_BROKEN = 4


def configs(tmp_path: Path, database: str = "data/wijkbot.sqlite3") -> dict[str, Path]:
    """The example config for the shell, and one with a Telegram channel for `run` (the channel is never reached:
    the database is opened first)."""
    shell = example_config(tmp_path)
    shell.write_text(shell.read_text().replace('path = "data/wijkbot.sqlite3"', f'path = "{database}"'))
    run = tmp_path / "run.toml"
    run.write_text(shell.read_text() + TELEGRAM)
    return {"shell": shell, "run": run}


def start(command: str, config: Path, stdin: str = "/help\n") -> subprocess.CompletedProcess[str]:
    return wijkbot(command, "--config", str(config), stdin=stdin, cwd=config.parent)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line that says what is wrong: the last one on stderr, and the only one from the command itself."""
    assert result.returncode == STORAGE_BROKEN, result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("wijkbot: ")]
    assert result.stderr.splitlines()[-1] == line
    return line


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("command", ["shell", "run"])
def test_a_file_that_is_not_sqlite_is_named_and_left_alone(tmp_path: Path, command: str) -> None:
    config = configs(tmp_path)[command]
    notes = tmp_path / "data" / "wijkbot.sqlite3"
    notes.parent.mkdir()
    notes.write_text("Boodschappen: melk, brood, kaas.\n")
    before = digest(notes.parent)
    result = start(command, config)
    assert "Traceback" not in result.stderr
    line = one_line(result)
    assert line == f"wijkbot: The database {notes} is not an SQLite database; it was left as it is (is" \
                   " database.path right?)"
    assert digest(notes.parent) == before  # byte for byte, and no -wal or -shm beside it


@pytest.mark.parametrize("command", ["shell", "run"])
def test_a_missing_folder_is_named(tmp_path: Path, command: str) -> None:
    config = configs(tmp_path, database="volume/data/wijkbot.sqlite3")[command]
    line = one_line(start(command, config))
    assert line == (f"wijkbot: The database {tmp_path / 'volume' / 'data' / 'wijkbot.sqlite3'} cannot be created:"
                    f" the folder {tmp_path / 'volume'} does not exist")
    assert not (tmp_path / "volume").exists()


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` and what is in it read-only, also for root (who ignores file modes): the immutable flag
    where the file system has one, else a read-only bind mount; a plain mode for anyone else."""
    files = [folder, *folder.iterdir()]
    if os.geteuid() != 0:
        for path in files:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path in files:
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    names = [str(path) for path in files]
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", *names], capture_output=True).returncode == 0:
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *names], check=True)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode == 0
    if bound and subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True).returncode == 0:
        try:
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
        return
    if bound:
        subprocess.run(["umount", str(folder)], check=True)
    pytest.skip("this machine offers root no way to make a folder read-only (no immutable flag, no bind mount)")


@pytest.mark.parametrize("command", ["shell", "run"])
def test_a_read_only_folder_is_named_and_the_database_kept(tmp_path: Path, command: str) -> None:
    config = configs(tmp_path)
    assert start("shell", config["shell"], stdin="/start\n2\nnoord\n1\n").returncode == 0
    data = tmp_path / "data"
    before = digest(data)
    with read_only(data):
        line = one_line(start(command, config[command]))
    assert line == f"wijkbot: The database {data / 'wijkbot.sqlite3'} cannot be opened: its folder is missing or" \
                   " read-only"
    assert digest(data) == before


def test_a_full_disk_while_running_stops_the_shell_with_the_file_named(tmp_path: Path) -> None:
    """The disk fills up during a conversation (a file size limit on the process, which SQLite meets as a failed
    write): the shell stops at once, also while its input stays open as a terminal's would, instead of answering
    every message with an error; the database keeps everything committed before."""
    config = configs(tmp_path)["shell"]
    assert start("shell", config, stdin="/start\n2\nnoord\n1\n").returncode == 0
    database = tmp_path / "data" / "wijkbot.sqlite3"
    story = "De lantaarnpaal bij de speeltuin knippert al weken en het is 's avonds erg donker daar. " * 15
    turns = 20

    def small_disk() -> None:
        limit = 64 * 1024  # the WAL may grow to 64 KB: a few turns
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    shell = subprocess.Popen([sys.executable, "-m", "bot", "shell", "--config", str(config)], cwd=tmp_path,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=small_disk)
    assert shell.stdin is not None
    shell.stdin.write("".join(f"/share\n6\n{story}\n/cancel\n" for _ in range(turns)))
    shell.stdin.flush()  # and left open
    try:
        returncode = shell.wait(timeout=60)
        stdout, stderr = shell.stdout.read() if shell.stdout else "", shell.stderr.read() if shell.stderr else ""
    finally:
        shell.kill()
        for stream in (shell.stdin, shell.stdout, shell.stderr):
            if stream is not None:
                stream.close()
    line = one_line(subprocess.CompletedProcess(shell.args, returncode, stdout, stderr))
    assert line.startswith(f"wijkbot: The database {database} cannot be") and "disk" in line, stderr
    assert stdout.count("Tell us in your own words") < turns  # it stopped, it did not go on failing
    check = sqlite3.connect(database)
    try:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert check.execute("SELECT user_id FROM residents").fetchall() == [("resident",)]
    finally:
        check.close()
