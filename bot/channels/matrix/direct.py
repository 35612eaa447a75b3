"""Direct chats the Matrix adapter opens itself, to people it writes to first (contact persons). No ``nio`` here.

An outgoing address whose chat id is a user id (``@anna:example.org``) means "that person's direct chat". This
keeps the mapping user id → room id (``<store_dir>/direct_rooms.json``, 0600) and decides whether a remembered
or shared room still serves; ``bot/channels/matrix/sending.py`` creates a room (encrypted, ``is_direct`` invite) when
none does and waits here until the sync has brought its state.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bot.channels.matrix import format as fmt

FILE = "direct_rooms.json"
READY_WITHIN = 20.0  # seconds for a new room's state to arrive by sync


class DirectChats:
    def __init__(self, store_dir: Path, own_user_id: str) -> None:
        self.path = store_dir / FILE
        self.own_user_id = own_user_id
        self.rooms: dict[str, str] = {}  # user id -> room id
        self.created: set[str] = set()  # rooms this process created (their state may still be on its way)
        self.lock = asyncio.Lock()  # one new room per person, even with several messages in flight
        self.synced = asyncio.Condition()  # notified after each handled sync batch

    def load(self) -> None:
        self.rooms = {str(k): str(v) for k, v in (fmt.read_json(self.path) or {}).items()}

    async def remember(self, user_id: str, room_id: str) -> None:
        if self.rooms.get(user_id) != room_id:
            self.rooms[user_id] = room_id
            await asyncio.to_thread(fmt.write_private, self.path, json.dumps(self.rooms))

    def ready(self, rooms: Mapping[str, Any], room_id: str, user_id: str) -> bool:
        """The room's state is known: the person is in it (or invited) and, for a room the bot made, encryption
        is on (Synapse may wake a sync before the whole creation is written; never send in clear by accident)."""
        room = rooms.get(room_id)
        return room is not None and user_id in room.users and (room.encrypted or room_id not in self.created)

    def usable(self, rooms: Mapping[str, Any], left: set[str], group_rooms: set[str], user_id: str) -> str | None:
        """The remembered room while the person is in it, else a room the two of them already share."""
        room_id = self.rooms.get(user_id)
        if room_id is not None and room_id not in left:
            if room_id in self.created and not self.ready(rooms, room_id, user_id):
                return room_id  # created by this process, not (fully) synced yet
            room = rooms.get(room_id)
            if room is not None and user_id in room.users:
                return room_id
        return next((r.room_id for r in rooms.values() if r.room_id not in group_rooms and r.room_id not in left
                     and set(r.users) == {self.own_user_id, user_id}), None)

    async def notify(self) -> None:
        async with self.synced:
            self.synced.notify_all()

    async def wait_ready(self, rooms: Callable[[], Mapping[str, Any]], room_id: str, user_id: str) -> bool:
        if self.ready(rooms(), room_id, user_id):
            return True
        try:
            async with self.synced:
                await asyncio.wait_for(self.synced.wait_for(lambda: self.ready(rooms(), room_id, user_id)),
                                       READY_WITHIN)
        except TimeoutError:
            return False
        return True
