"""The Matrix channel: the receiving half and the sync loop. Sending is in ``sending.py``; the whole design is in
the package docstring (``bot/channels/matrix/__init__.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import nio

from bot.channels.base import Actor, Address, Host, Incoming, PollVote
from bot.channels.matrix import format as fmt
from bot.channels.matrix.direct import DirectChats
from bot.channels.matrix.handover import Handover
from bot.channels.matrix.sending import _NETWORK, Sending
from bot.config import Config

log = logging.getLogger("bot.channels.matrix")

class MatrixChannel(Sending):
    name = "matrix"
    command_prefix = "!"  # Element treats /words as its own commands
    can_send_files = True
    accepts_photos = False
    timeline_limit = 100  # events per room per sync; a longer gap is fetched with /messages
    sync_timeout_ms = 30_000
    backoff_min, backoff_max = 1.0, 30.0

    def __init__(self, config: Config) -> None:
        if config.matrix is None:
            raise ValueError("the configuration has no [matrix] section")
        self.config = config
        self.mx = config.matrix
        self.store_dir = Path(self.mx.store_dir)
        self.ready = asyncio.Event()  # set after the first successful sync
        self.connected = False
        self._loaded = False  # nio's room state is there (the first sync was handled)
        self._idle = asyncio.Event()  # clear while a sync batch is being handled
        self._idle.set()
        self.client: Any = None  # nio.AsyncClient once started
        self._host: Host | None = None
        self._task: asyncio.Task[None] | None = None
        self._token: str | None = None
        self._aliases: dict[str, str] = {}  # "#alias:server" -> room id
        self._group_rooms: set[str] = set()  # ids of the configured moderation and public rooms
        self._moderation_rooms: set[str] = set()  # ids of the configured moderation rooms
        self._configured: dict[str, str] = {}  # room id -> the id or alias the configuration uses for it
        self._creators: dict[str, tuple[str, frozenset[str]]] = {}  # room id -> (room version, creators)
        self._left: set[str] = set()
        self._sent = fmt.BoundedSet()  # event ids of the bot's own messages
        self._seen = fmt.BoundedSet()  # event ids already handled
        self._direct = DirectChats(self.store_dir, self.mx.user_id)  # direct chats the bot opens (contact persons)
        self._typing: set[str] = set()  # direct chats where the bot shows "typing…" until its answer is out
        self._handover = Handover(self.store_dir)  # the store's files in the database (several processes)

    # ------------------------------------------------------------------ lifecycle
    @property
    def device_id(self) -> str | None:
        return str(self.client.device_id) if self.client is not None and self.client.device_id else None

    async def start(self, host: Host) -> None:
        """Open the store, restore the saved device, and start the sync loop (it signs in and reconnects)."""
        self._host = host
        for name in ("nio", "peewee"):  # nio logs room and user ids at INFO
            if logging.getLogger(name).level == logging.NOTSET:
                logging.getLogger(name).setLevel(logging.WARNING)
        self.store_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        await self._handover.restore(host)  # another process's device and sync position, when it ran before
        config = nio.AsyncClientConfig(max_limit_exceeded=0, max_timeouts=2, request_timeout=20,
                                       encryption_enabled=True, store_sync_tokens=False)
        self.client = nio.AsyncClient(self.mx.homeserver, self.mx.user_id, store_path=str(self.store_dir),
                                      config=config)
        self._token = fmt.read_text(self.store_dir / "sync_token")
        self._direct.load()
        saved = fmt.read_json(self.store_dir / "credentials.json") or {}
        if saved.get("user_id") == self.mx.user_id and saved.get("device_id") and saved.get("access_token"):
            self.client.restore_login(self.mx.user_id, saved["device_id"], saved["access_token"])
        self._task = asyncio.create_task(self._run(), name="matrix-sync")

    async def stop(self, grace: float = 10.0) -> None:
        """Let the batch being handled finish (up to ``grace`` seconds), stop syncing, save the token, close."""
        if self._task is not None and not self._task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), grace)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        # Refuse sends from here on: nio opens a new HTTP session for a request made after close(), and nothing
        # would close that one.
        self.ready.clear()
        self.connected = self._loaded = False
        if self.client is not None:
            if self._token:
                await self._save("sync_token", self._token)
            try:
                await self._handover.share()
            except Exception as exc:  # the database may be what is going away
                log.warning("matrix: the store could not be handed over at stop (%s)", type(exc).__name__)
            await self.client.close()

    async def _run(self) -> None:
        delay, first, joined = self.backoff_min, True, False
        while True:
            try:
                if not self.client.logged_in:
                    await self._login()
                if not joined:
                    await self._prepare()
                    joined = True
                await self._sync(first)
                first, delay = False, self.backoff_min
                self.ready.set()
                continue
            except asyncio.CancelledError:
                raise
            except fmt.Retry as exc:
                wait = exc.delay if exc.delay is not None else delay
                log.warning("matrix: %s; trying again in %.0f s", exc, wait)
            except _NETWORK as exc:
                wait = delay
                log.warning("matrix: homeserver unreachable (%s); trying again in %.0f s", type(exc).__name__, wait)
            except Exception:
                wait = delay
                log.exception("matrix: sync failed; trying again in %.0f s", wait)
            self.connected = False
            await asyncio.sleep(wait)
            delay = min(delay * 2, self.backoff_max)

    async def _login(self) -> None:
        client = self.client
        if self.mx.password:
            resp = await client.login(self.mx.password, device_name=self.mx.device_name)
            if not isinstance(resp, nio.LoginResponse):
                raise fmt.Retry(f"login refused ({resp.status_code}); check matrix.password", self.backoff_max)
        else:
            client.access_token = self.mx.access_token
            who = await client.whoami()
            if not isinstance(who, nio.WhoamiResponse) or not who.device_id:
                client.access_token = ""
                raise fmt.Retry("matrix.access_token was refused", self.backoff_max)
            client.restore_login(self.mx.user_id, who.device_id, self.mx.access_token)
        credentials = {"user_id": self.mx.user_id, "device_id": client.device_id,
                       "access_token": client.access_token, "homeserver": self.mx.homeserver}
        await self._save("credentials.json", json.dumps(credentials))

    async def _save(self, name: str, text: str) -> None:
        await asyncio.to_thread(fmt.write_private, self.store_dir / name, text)  # 0600, atomic

    async def _prepare(self) -> None:
        client = self.client
        if client.should_upload_keys:
            await client.keys_upload()
        key = client.olm.account.identity_keys["ed25519"] if client.olm else ""
        log.info("matrix: signed in as %s, device %s, session key %s", self.mx.user_id, client.device_id,
                 fmt.fingerprint(key))
        wanted = [r for n in self.config.neighbourhoods
                  for r in (n.moderation_room, n.professionals_room, *n.public_rooms) if r]
        for ref in dict.fromkeys(wanted):
            room_id = await self._room_id(ref)
            if room_id is None:
                log.warning("matrix: room alias %s does not resolve", ref)
                continue
            self._group_rooms.add(room_id)
            self._configured[room_id] = ref
            if any(n.moderation_room == ref for n in self.config.neighbourhoods):
                self._moderation_rooms.add(room_id)
            resp = await client.join(room_id)
            if not isinstance(resp, nio.JoinResponse):
                log.warning("matrix: cannot join configured room %s (%s)", ref, resp.status_code)

    async def _room_id(self, ref: str) -> str | None:
        if not ref.startswith("#"):
            return ref
        if ref not in self._aliases:
            resp = await self.client.room_resolve_alias(ref)
            if not isinstance(resp, nio.RoomResolveAliasResponse):
                return None
            self._aliases[ref] = str(resp.room_id)
        return self._aliases[ref]

    # ------------------------------------------------------------------ receiving
    async def _sync(self, first: bool) -> None:
        client = self.client
        fresh = first and self._token is None
        previous = self._token
        # After a failed batch nio must handle (decrypt) it again; the first sync after a start must be handled even
        # when nothing happened meanwhile (nio skips a response whose token it already has: the rooms would
        # stay unknown, and direct chats look gone).
        client.next_batch = None if first else previous
        limit = 0 if fresh else self.timeline_limit
        resp = await client.sync(timeout=0 if first else self.sync_timeout_ms, since=previous,
                                 sync_filter={"room": {"timeline": {"limit": limit}}}, full_state=first or None)
        if not isinstance(resp, nio.SyncResponse):
            if resp.status_code == "M_UNKNOWN_TOKEN" and self.mx.password:
                client.access_token = ""  # sign in again, same device
            raise fmt.Retry(f"sync refused ({resp.status_code})", fmt.failure(resp).retry_after)
        if not self.connected:
            log.info("matrix: connected to the homeserver")
        self.connected = self._loaded = True
        self._idle.clear()
        try:
            await self._housekeeping()
            await self._handle(resp, previous)
            await self._direct.notify()
            self._token = str(resp.next_batch)
            await self._save("sync_token", self._token)
            await self._handover.share()  # with the token, before the next sync confirms this batch (handover.py)
        finally:
            self._idle.set()

    async def _housekeeping(self) -> None:
        """What nio's sync_forever does between syncs: to-device messages and key upload/query/claim."""
        client = self.client
        await client.send_to_device_messages()
        if client.should_upload_keys:
            await client.keys_upload()
        if client.should_query_keys:
            await client.keys_query()
        if client.should_claim_keys:
            await client.keys_claim(client.get_users_for_key_claiming())

    async def _handle(self, resp: Any, previous: str | None) -> None:
        for room_id, info in resp.rooms.invite.items():
            await self._on_invite(room_id, info.invite_state)
        for room_id in resp.rooms.leave:
            self._left.add(room_id)
            self.client.rooms.pop(room_id, None)
        for room_id, info in resp.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            self._left.discard(room_id)
            events = list(info.timeline.events)
            self._note_creators(room_id, [*info.state, *events])
            joined_at = self._own_join(events)
            if joined_at is None and info.timeline.limited and previous and info.timeline.prev_batch:
                events = await self._backfill(room_id, info.timeline.prev_batch, previous) + events
                joined_at = self._own_join(events)
            if joined_at is not None:
                events = events[joined_at + 1:]  # history from before the bot joined
            for event in events:
                await self._on_event(room, event)

    def _own_join(self, events: list[Any]) -> int | None:
        """The index of the bot's (last) own join in ``events``: what precedes it is history."""
        return next((i for i in range(len(events) - 1, -1, -1) if isinstance(events[i], nio.RoomMemberEvent)
                     and events[i].state_key == self.mx.user_id and events[i].membership == "join"
                     and events[i].prev_membership != "join"), None)

    async def _backfill(self, room_id: str, start: str, until: str) -> list[Any]:
        """Events between the previous sync token and a limited timeline (oldest first)."""
        chunks: list[Any] = []
        for _ in range(20):
            resp = await self.client.room_messages(room_id, start=start, end=until, limit=100)
            if not isinstance(resp, nio.RoomMessagesResponse) or not resp.chunk:
                break
            chunks.extend(resp.chunk)
            if not resp.end or resp.end == start:
                break
            start = resp.end
        return list(reversed(chunks))

    def _note_creators(self, room_id: str, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, nio.RoomCreateEvent):
                self._remember_create(room_id, event.sender, event.source.get("content", {}))

    def _remember_create(self, room_id: str, sender: str, content: dict[str, Any]) -> None:
        creators = frozenset({sender, *content.get("additional_creators", [])})
        self._creators[room_id] = (str(content.get("room_version", "1")), creators)

    async def _on_invite(self, room_id: str, invite_state: list[Any]) -> None:
        inviter, is_direct = None, False
        for event in invite_state:
            if (isinstance(event, nio.InviteMemberEvent) and event.state_key == self.mx.user_id
                    and event.membership == "invite"):
                inviter, is_direct = event.sender, bool(event.content.get("is_direct"))
        kind = "direct chat" if is_direct else "room"
        if room_id in self._group_rooms or (inviter and fmt.inviter_allowed(
                inviter, is_direct=is_direct, own_user_id=self.mx.user_id, allowed=self.mx.allowed_inviters,
                organisers=self.mx.organisers)):
            resp = await self.client.join(room_id)
            if isinstance(resp, nio.JoinResponse):
                log.info("matrix: accepted an invite to a %s", kind)
            else:
                log.warning("matrix: could not accept an invite to a %s (%s)", kind, resp.status_code)
        else:
            await self.client.room_leave(room_id)
            log.info("matrix: rejected an invite to a %s from someone not in matrix.allowed_inviters", kind)

    def _is_private(self, room: Any) -> bool:
        return room.room_id not in self._group_rooms and int(room.member_count) <= 2

    async def _on_event(self, room: Any, event: Any) -> None:
        event_id = getattr(event, "event_id", None)
        if not event_id or event_id in self._seen:
            return
        self._seen.add(event_id)
        if isinstance(event, nio.RoomMemberEvent):
            await self._on_member(room, event)
            return
        if event.sender == self.mx.user_id:
            self._sent.add(event_id)
            return
        incoming: Incoming | None = None
        if isinstance(event, nio.RoomMessageText):
            incoming = await self._from_text(room, event)
        elif isinstance(event, nio.ReactionEvent):
            incoming = await self._from_reaction(room, event)
        elif isinstance(event, nio.UnknownEvent) and event.type in fmt.POLL_RESPONSES:
            incoming = await self._from_poll_response(room, event)
        elif isinstance(event, nio.MegolmEvent):
            log.warning("matrix: an encrypted event could not be decrypted (no key yet)")
            with contextlib.suppress(Exception):
                await self.client.request_room_key(event)
        if incoming is not None:
            await self._deliver(incoming)

    async def _on_member(self, room: Any, event: Any) -> None:
        others = [u for u in room.users if u != self.mx.user_id]
        if (event.membership in ("leave", "ban") and event.state_key != self.mx.user_id and not others
                and room.room_id not in self._group_rooms):
            address = Address(self.name, room.room_id, private=True)
            log.info("matrix: a person left a direct chat; leaving it too")
            if self._host is not None:
                await self._host.unreachable(address)
            await self.client.room_leave(room.room_id)

    def _actor(self, room: Any, sender: str) -> Actor:
        user = room.users.get(sender)
        return Actor(self.name, sender, user.display_name if user is not None else None, None)

    async def _from_text(self, room: Any, event: Any) -> Incoming | None:
        private = self._is_private(room)
        message = fmt.read_message(event.body, event.source.get("content", {}), private,
                                   keep_plain=room.room_id in self._moderation_rooms)
        if message is None:
            return None  # an edit, or chatter in a group room
        moderator = event.sender in self.mx.organisers if private else await self._is_moderator(room, event.sender)
        return Incoming(self._actor(room, event.sender), self._address(room.room_id, private, message.thread),
                        text=message.text, command=message.command, args=message.args, event_id=event.event_id,
                        moderator=moderator, addressed=private or message.command is not None,
                        reply_to=message.reply_to)

    def _address(self, room_id: str, private: bool, thread: str | None = None) -> Address:
        """Configured rooms are named as the configuration names them (an alias stays an alias)."""
        return Address(self.name, self._configured.get(room_id, room_id), thread, private)

    async def _own(self, room_id: str, event_id: str) -> bool:
        """Whether ``event_id`` is one of the bot's own events (asked from the homeserver if not remembered)."""
        if event_id not in self._sent:
            resp = await self.client.room_get_event(room_id, event_id)
            if not isinstance(resp, nio.RoomGetEventResponse) or resp.event.sender != self.mx.user_id:
                return False
            self._sent.add(event_id)
        return True

    async def _from_poll_response(self, room: Any, event: Any) -> Incoming | None:
        vote = fmt.read_poll_response(event.type, event.source.get("content", {}))
        if vote is None or not await self._own(room.room_id, vote[0]):
            return None  # a vote on someone else's poll: people may run their own polls in a room
        return Incoming(self._actor(room, event.sender), self._address(room.room_id, self._is_private(room)),
                        poll_vote=PollVote(*vote), event_id=event.event_id)

    async def _from_reaction(self, room: Any, event: Any) -> Incoming | None:
        target = event.reacts_to
        if not await self._own(room.room_id, target):
            return None
        private = self._is_private(room)
        moderator = (event.sender in self.mx.organisers) if private else await self._is_moderator(room, event.sender)
        return Incoming(self._actor(room, event.sender), self._address(room.room_id, private),
                        reaction=event.key, reacted_to=target, event_id=event.event_id, moderator=moderator)

    async def _is_moderator(self, room: Any, user_id: str) -> bool:
        if user_id in self.mx.organisers:
            return True
        if room.room_id not in self._creators:
            state = await self.client.room_get_state(room.room_id)
            if isinstance(state, nio.RoomGetStateResponse):
                for raw in state.events:
                    if raw.get("type") == "m.room.create":
                        self._remember_create(room.room_id, raw.get("sender", ""), raw.get("content", {}))
        version, creators = self._creators.get(room.room_id, ("1", frozenset()))
        if fmt.creators_privileged(version) and user_id in creators:
            return True
        return int(room.power_levels.get_user_level(user_id)) >= fmt.MODERATOR_LEVEL

    async def _deliver(self, incoming: Incoming) -> None:
        if self._host is None:
            return
        try:
            replies = await self._host.dispatch(incoming)
        except Exception:
            log.exception("matrix: dispatch failed")
            return
        if incoming.address.private and incoming.event_id:  # a direct chat: "read" once it was handled
            await self._best_effort(self.client.room_read_markers(
                incoming.address.chat_id, fully_read_event=incoming.event_id, read_event=incoming.event_id))
        for reply in replies:
            result = await self.send(reply if reply.address is not None else replace(reply, address=incoming.address))
            self._host.replied(reply, result)  # its copy held with the turn can go (or is retried)
            if not result.ok:
                log.warning("matrix: a reply was not delivered (%s)", result.error)
        if incoming.address.chat_id in self._typing:  # the slow answer is out (or failed): stop "typing…"
            self._typing.discard(incoming.address.chat_id)
            await self._best_effort(self.client.room_typing(incoming.address.chat_id, False))

    # ------------------------------------------------------------------ sending
