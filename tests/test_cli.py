"""The command line as a newcomer uses it: shell with piped input, redact, run without channels."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bot.i18n import Translator

ROOT = Path(__file__).resolve().parent.parent


def wijkbot(*args: str, stdin: str = "", cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, timeout=60)


def example_config(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "config.example.toml", tmp_path / "config.toml")
    return tmp_path / "config.toml"


def test_shell_reads_a_piped_conversation(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    script = "/start\n2\n1091\n1\n1\n7\nSomeone deals drugs from a car by the school every afternoon.\nSkip\n1\n1\n"
    result = wijkbot("shell", "--config", str(config), "--user", "anna", stdin=script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "  1. Nederlands\n  2. English" in out  # choices are numbered
    assert "Oost" in out  # found by postcode 1091
    assert "Your reference is W-20" in out
    assert "Traceback" not in out + result.stderr
    assert (tmp_path / "data" / "wijkbot.sqlite3").exists()
    # Another user name is another resident: a newcomer again.
    result = wijkbot("shell", "--config", str(config), "--user", "bob", stdin="/mydata\n", cwd=tmp_path)
    assert "Welkom" in result.stdout or "Welcome" in result.stdout


def test_shell_continues_a_dialogue_across_runs(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    wijkbot("shell", "--config", str(config), stdin="/start\n2\nnoord\n1\n/share\n5\n", cwd=tmp_path)
    result = wijkbot("shell", "--config", str(config),
                     stdin="The waiting list at the GP is six months long now.\n", cwd=tmp_path)
    assert "Where is this?" in result.stdout


def test_redact_scrubs_stdin_to_stdout(tmp_path: Path) -> None:
    result = wijkbot("redact", stdin="Bel 06-12345678 of mail jan@example.org.\nIn 2026 om 18:00.\n", cwd=tmp_path)
    assert result.stdout == "Bel [telefoonnummer] of mail [e-mailadres].\nIn 2026 om 18:00.\n"


def test_run_without_channels_points_to_the_shell(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    result = wijkbot("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert "No channel is configured" in result.stderr and "wijkbot shell" in result.stderr


def test_a_broken_config_is_explained_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[municipality]\n")
    result = wijkbot("shell", "--config", str(bad), cwd=tmp_path)
    assert result.returncode == 2 and "municipality.name: missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_shell_is_interactive_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty
    import select

    config = example_config(tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # the child: wijkbot shell on a terminal
        os.chdir(tmp_path)
        os.execv(sys.executable, [sys.executable, "-m", "bot", "shell", "--config", str(config)])

    def read_until(marker: bytes, limit: float = 30.0) -> bytes:
        seen = b""
        while marker not in seen:
            ready, _, _ = select.select([fd], [], [], limit)
            assert ready, seen
            seen += os.read(fd, 4096)
        return seen

    try:
        assert b"> " in read_until(b"> ")  # a prompt, because stdin is a terminal
        os.write(fd, b"/start\n")
        screen = read_until(b"5. Polski")
        assert b"1. Nederlands" in screen
        os.write(fd, b"\x04")  # Ctrl-D ends the session
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    finally:
        os.close(fd)


def test_shell_answers_bytes_that_are_not_utf8_in_the_residents_language(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    script = b"/start\n5\nnoord\n1\n/share\n5\n" + b"caf\xe9 \xff\xfe kapot\n" + \
        "Lista oczekujących u lekarza ma teraz sześć miesięcy.\n".encode()
    result = subprocess.run([sys.executable, "-m", "bot", "shell", "--config", str(config), "--user", "ola"],
                            input=script, capture_output=True, cwd=tmp_path, timeout=60)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    polish = Translator("pl")
    assert polish._("I can only read ordinary text. Please type your message.") in out
    assert polish._("Where is this? Type a street or a spot (no house number), or choose Skip.") in out
    assert "Traceback" not in out + err and "went wrong" not in out


def test_report_writes_four_files_and_explains_mistakes(tmp_path: Path) -> None:
    config = example_config(tmp_path)
    out = tmp_path / "reports"
    result = wijkbot("report", "--config", str(config), "--from", "2026-01-01", "--to", "2026-06-30",
                     "--neighbourhood", "centrum", "--language", "nl", "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    stem = "wijkbot-report-centrum-2026-01-01-2026-06-30"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{stem}.{s}" for s in ("csv", "html", "json", "pdf"))
    assert '<html lang="nl"' in (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "Traceback" not in result.stderr and "fontTools" not in result.stderr
    wrong = wijkbot("report", "--config", str(config), "--from", "2026-01-01", "--to", "2026-06-30",
                    "--neighbourhood", "zuid", "--out", str(out), cwd=tmp_path)
    assert wrong.returncode == 1 and "zuid" in wrong.stderr and "centrum, noord, oost" in wrong.stderr
    backwards = wijkbot("report", "--config", str(config), "--from", "2026-06-30", "--to", "2026-01-01",
                        "--out", str(out), cwd=tmp_path)
    assert backwards.returncode == 1 and "2026-01-01" in backwards.stderr
    bad_date = wijkbot("report", "--config", str(config), "--from", "1 januari", "--to", "2026-01-01", cwd=tmp_path)
    assert bad_date.returncode == 2 and "is not a date like 2026-06-30" in bad_date.stderr
