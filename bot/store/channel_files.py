"""A channel's own files kept in the database (the Matrix store, for the process that takes over the sync; see
bot/channels/matrix/handover.py). Only the files of one channel, by name; nothing about residents."""

from __future__ import annotations

from bot.store.db import Tx


async def load(tx: Tx, channel: str) -> dict[str, bytes]:
    rows = await tx.all("SELECT name, data FROM channel_files WHERE channel = ?", (channel,))
    return {str(row[0]): bytes(row[1]) for row in rows}


def save(tx: Tx, channel: str, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        tx.defer("INSERT INTO channel_files (channel, name, data) VALUES (?, ?, ?)"
                 " ON CONFLICT (channel, name) DO UPDATE SET data = excluded.data", (channel, name, data))
