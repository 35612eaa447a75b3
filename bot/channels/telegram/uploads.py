"""Upload the same bytes to Telegram once: later sends use the file_id Telegram gave them.

A poll's result chart goes to every resident who heard of the poll, and each photo would otherwise be uploaded
again. :class:`FileIds` remembers, per SHA-256 of the bytes (and per Bot API method, as a photo's file_id is no
document's), the file_id of the first upload: the largest size of a sent photo, the document of a sent
document. The most recently used ``size`` are kept. While one send uploads some bytes, the others with the same
bytes wait for its file_id instead of uploading them too. A file_id Telegram refuses (BadRequest, e.g. "wrong
file identifier") is forgotten and the bytes are uploaded once more.

The module knows nothing of python-telegram-bot: the channel says how to find the file_id in a sent message and
which error means "refused" (``channel.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger("bot.channels.telegram")

M = TypeVar("M")  # what a send returns: the sent message


class FileIds(Generic[M]):
    def __init__(self, file_id_of: Callable[[M], str | None], refused: type[Exception], size: int = 256) -> None:
        self.size = size
        self._file_id_of = file_id_of
        self._refused = refused
        self._ids: OrderedDict[tuple[str, str], str] = OrderedDict()  # (method, digest) -> file_id, oldest first
        self._uploads: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()

    async def send(self, method: str, data: bytes, send: Callable[[str | bytes], Awaitable[M]]) -> M:
        """``send(file_id)`` when Telegram has ``data`` already, else ``send(data)`` (and remember the file_id)."""
        key = (method, hashlib.sha256(data).hexdigest())
        async with self._upload_turn(key):  # a first upload of these bytes in flight: wait for its file_id
            file_id = self.get(key)
            if file_id is None:
                return self._remember(key, await send(data))
        try:
            return await send(file_id)
        except self._refused as exc:
            log.info("telegram: %s by a remembered file_id was refused (%s); uploading the file again", method, exc)
            self._forget(key, file_id)
        return self._remember(key, await send(data))

    def get(self, key: tuple[str, str]) -> str | None:
        file_id = self._ids.get(key)
        if file_id is not None:
            self._ids.move_to_end(key)
        return file_id

    def __len__(self) -> int:
        return len(self._ids)

    def _upload_turn(self, key: tuple[str, str]) -> asyncio.Lock:
        lock = self._uploads.get(key)
        if lock is None:  # the dictionary holds it only while a send holds or awaits it
            lock = self._uploads[key] = asyncio.Lock()
        return lock

    def _remember(self, key: tuple[str, str], message: M) -> M:
        file_id = self._file_id_of(message)
        if file_id is not None:
            self._ids[key] = file_id
            self._ids.move_to_end(key)
            while len(self._ids) > self.size:
                self._ids.popitem(last=False)
        return message

    def _forget(self, key: tuple[str, str], file_id: str) -> None:
        if self._ids.get(key) == file_id:  # not one a concurrent send has uploaded meanwhile
            del self._ids[key]

