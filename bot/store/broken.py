"""When the database cannot be used, say so in one sentence and stop, instead of hanging or answering everyone with
an error: a file that is not SQLite, a read-only or missing folder, a full disk, an I/O error, a damaged file.

Opening turns these into :class:`StorageError` before anything starts (and leaves the file as it was: SQLite
refuses a file that is not a database before writing a byte). While running, a transaction that fails this way
marks the database broken (``Database.broken``) and the application stops (``App.until``), so a service manager
can restart it or alert someone, and nothing people send meanwhile is silently dropped.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

# SQLite's primary result codes (the low byte of an extended code) that mean the file cannot be used as it is.
_PROBLEMS = {
    3: "cannot be written: permission denied",  # SQLITE_PERM
    8: "cannot be written: the file or its folder is read-only",  # SQLITE_READONLY
    10: "cannot be read or written: input/output error ({name}); is the disk full or failing?",  # SQLITE_IOERR
    11: "is damaged; restore a backup",  # SQLITE_CORRUPT
    13: "cannot be written: the disk is full",  # SQLITE_FULL
    14: "cannot be opened: its folder is missing or read-only",  # SQLITE_CANTOPEN
    26: "is not an SQLite database; it was left as it is (is database.path right?)",  # SQLITE_NOTADB
}
_BUSY = 5  # SQLITE_BUSY: only at start is a lock a reason to give up


class StorageError(Exception):
    """The database cannot be used; the message names the file and the problem, in one line."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"The database {path} {problem}")
        self.path = path
        self.problem = problem


def problem(exc: BaseException, opening: bool = False) -> str | None:
    """What is wrong with the storage, if ``exc`` says the file cannot be used (None: some other failure)."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if not isinstance(code, int):
            return None
        if opening and code & 0xFF == _BUSY:
            return "is locked by another process (is another wijkbot using it?)"
        found = _PROBLEMS.get(code & 0xFF)
        return None if found is None else found.format(name=getattr(exc, "sqlite_errorname", "?"))
    if isinstance(exc, OSError) and opening:  # making the data folder
        folder = Path(exc.filename) if exc.filename else None
        if exc.errno == errno.ENOENT:
            return f"cannot be created: the folder {folder.parent if folder else '?'} does not exist"
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return f"cannot be created: its folder {folder or '?'} cannot be made (read-only)"
        if exc.errno == errno.ENOSPC:
            return "cannot be created: the disk is full"
    return None
