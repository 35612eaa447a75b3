"""Looking where an auditor looks: the raw bytes of the SQLite file, its -wal and -shm, and a `.backup` copy."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path


def backup_copy(database: Path, target: Path) -> Path:
    """What `sqlite3 wijkbot.sqlite3 ".backup copy"` makes (the sqlite3 shell uses the same online-backup API)."""
    source = sqlite3.connect(database)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return target


def files_of(database: Path) -> dict[str, bytes]:
    """The database file, its -wal and -shm (those that exist), by suffix."""
    found = {}
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{database}{suffix}")
        if path.exists():
            found[suffix or "db"] = path.read_bytes()
    return found


def holding(files: dict[str, bytes], *needles: str | bytes) -> dict[str, list[str]]:
    """Which files hold which of ``needles`` (as UTF-8 bytes); empty when none holds any."""
    found: dict[str, list[str]] = {}
    for name, data in files.items():
        for needle in needles:
            raw = needle.encode() if isinstance(needle, str) else needle
            if raw in data:
                found.setdefault(name, []).append(needle if isinstance(needle, str) else needle.hex())
    return found


# A row of poll_youth_votes as SQLite stores it (WITHOUT ROWID: the record is the cell): header size 5, serial
# types of poll_id (an integer: 1-byte, or the constants 0 and 1), voter (text of 64 bytes: 64*2+13 = 141, the
# varint 0x81 0x0d) and option; then the values.
_YOUTH_ROW = re.compile(rb"\x05([\x01\x08\x09])\x81\x0d([\x01\x08\x09])")
_HEX64 = re.compile(rb"[0-9a-f]{64}")


def youth_vote_rows(data: bytes, poll_id: int) -> list[tuple[int, str, int]]:
    """(offset in the file, voter hash, option) of every youth-vote record of ``poll_id`` in ``data``, in file order;
    a key that also appears in an interior page of the B-tree counts at its first place."""
    found: dict[tuple[str, int], int] = {}
    for match in _YOUTH_ROW.finditer(data):
        at = match.end()
        poll_type, option_type = match.group(1)[0], match.group(2)[0]
        if poll_type == 1:
            poll, at = data[at], at + 1
        else:
            poll = poll_type - 8
        voter = data[at:at + 64]
        if poll != poll_id or not _HEX64.fullmatch(voter):
            continue
        at += 64
        option = data[at] if option_type == 1 else option_type - 8
        found.setdefault((voter.decode(), option), match.start())
    return sorted((offset, voter, option) for (voter, option), offset in found.items())


def order_in_pages(found: list[tuple[int, str, int]], page_size: int = 4096) -> list[float]:
    """Each row's place among the rows of its own page (0 first … 1 last): SQLite appends a page's new cells below
    the older ones until the page is rebuilt, so this is where the order of insertion would show."""
    pages: dict[int, list[int]] = {}
    for offset, _, _ in found:
        pages.setdefault(offset // page_size, []).append(offset)
    places = []
    for offset, _, _ in found:
        siblings = pages[offset // page_size]
        places.append(sorted(siblings).index(offset) / max(len(siblings) - 1, 1))
    return places


def spearman(xs: list[float], ys: list[float]) -> float:
    """Spearman's rank correlation (ties get their average rank)."""
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        result = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                result[order[k]] = (i + j) / 2
            i = j + 1
        return result

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy)
