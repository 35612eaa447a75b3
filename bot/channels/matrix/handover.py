"""The Matrix store's files in the database, so another process can take the account over (bot/cluster.py).

With two processes only the leader syncs the bot's Matrix account. When it dies, the other one must go on as the
same device (the same access token and encryption keys, or it could not read the encrypted moderation rooms and
organisers would see a new, unverified session) from the same sync position (or it would miss or replay events).
So on PostgreSQL the host keeps the files of ``store_dir`` in the database (:class:`~bot.channels.base.KeepsFiles`):

- at start the channel writes the kept files into its ``store_dir`` before nio opens it (they replace what an
  earlier turn as leader left there; the first leader ever keeps its local files and shares them);
- after each handled sync batch, right after the sync token, and at stop, it sends the files that changed since
  it last did: ``credentials.json``, ``sync_token``, ``direct_rooms.json``, nio's trust files and its crypto
  store (an SQLite file, read between two of nio's own writes, never half written).

The sync token and the crypto state after a batch are saved together, before the next sync request tells the
homeserver that the batch arrived (Synapse then deletes the to-device messages it carried, room keys among
them): a taker-over never misses a room key the dead leader had received. It continues from the last batch the
dead leader finished; events of a batch it had only started come again and the dialogue drops those it handled
(by event id). Outbound group sessions are never stored (nio keeps them in memory), so the taker-over starts
new ones and never reuses a message index. What the old leader changed after its last batch (a one-to-one Olm
session it advanced while sending) is lost; Olm recovers from that by starting a new session (Element's
"unwedging"). The files hold the bot's keys and access token: who can read the database can act as the bot,
as with ``store_dir`` itself.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path

from bot.channels.base import KeepsFiles
from bot.channels.matrix import format as fmt

log = logging.getLogger("bot.channels.matrix")

CHANNEL = "matrix"
_SKIP = ("-journal", "-wal", "-shm")


def _collect(store_dir: Path) -> dict[str, bytes]:
    """Every file of the store as it is now. Read on the event loop's own thread, on purpose: nio writes its crypto
    store (SQLite, rollback journal) synchronously on that thread, each change committed before it returns, so
    between two of its calls the file is whole and no write can come in the middle of reading it (a few hundred
    kilobytes: well under a millisecond)."""
    return {path.name: path.read_bytes() for path in sorted(store_dir.iterdir())
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith(_SKIP)}


def _write(store_dir: Path, files: dict[str, bytes]) -> None:
    store_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, data in files.items():
        if "/" in name or name.startswith("."):
            continue
        for stale in _SKIP:  # a journal of an older copy must not be rolled into the new one
            (store_dir / f"{name}{stale}").unlink(missing_ok=True)
        fmt.write_private_bytes(store_dir / name, data)


class Handover:
    """The files of one ``store_dir``, kept by the host (or not: one process keeps them on disk only)."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = store_dir
        self._host: KeepsFiles | None = None
        self._sent: dict[str, str] = {}  # name -> digest of what the database has

    async def restore(self, host: object) -> bool:
        """Before nio opens the store: write the kept files into ``store_dir``; whether the host keeps them."""
        if not isinstance(host, KeepsFiles):
            return False
        files = await host.files_load(CHANNEL)
        if files is None:
            return False
        self._host = host
        if files:
            await asyncio.to_thread(_write, self.store_dir, files)
            log.info("matrix: took over the store of the bot's device from the database (%d files)", len(files))
        self._sent = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        return True

    async def share(self) -> int:
        """Send what changed to the host; how many files."""
        if self._host is None or not self.store_dir.is_dir():
            return 0
        files = _collect(self.store_dir)  # on this thread: see _collect
        digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
        changed = {name: data for name, data in files.items() if self._sent.get(name) != digests[name]}
        if changed:
            await self._host.files_save(CHANNEL, changed)
            self._sent.update({name: digests[name] for name in changed})
        return len(changed)
