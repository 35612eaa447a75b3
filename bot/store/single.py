"""SQLite means one process: a second ``wijkbot run`` on the same database file is refused with a clear message.

Two processes on one SQLite file would each drain the outbox (sending fan-outs twice), each run the scheduled jobs
(closing polls twice) and each sync the Matrix account with the same device. So ``wijkbot run`` holds an exclusive
``flock`` on ``<database>.lock`` for as long as it runs; the kernel releases it when the process ends, also after
``kill -9``, so a stale lock file never blocks a restart. The lock file holds the holder's process id, only to name
it in the message. ``wijkbot shell`` takes no lock: a console serves only its own person or room (README, *Try the
whole loop*). Several processes of one municipality need PostgreSQL (README, *Two processes*).

The lock is a separate file, not the database itself: on NFS Linux emulates ``flock`` with byte-range locks, which
would collide with SQLite's own.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from bot.store.broken import StorageError


class SingleProcess:
    """The exclusive lock of one running bot on an SQLite database file."""

    def __init__(self, database: Path | str) -> None:
        self.database = str(database)
        self.path = Path(f"{database}.lock")
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        """Take the lock, or raise :class:`StorageError` naming the process that holds it."""
        if self._fd is not None or self.database == ":memory:":
            return
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise StorageError(self.database, "is in use by another wijkbot process" + (
                f" (pid {holder})" if holder.isdigit() else "") + "; SQLite serves one process: stop that one, or use"
                " PostgreSQL to run two (README, Two processes)") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            os.close(fd)  # closing the last descriptor drops the flock
