"""Two `wijkbot run` processes, one municipality, one PostgreSQL database (issue 17, point 5), end to end.

Telegram webhooks from the Bot API emulator go through a reverse proxy that sends each update to either process
(by update id, so one resident's updates alternate between them); the bot's Matrix account lives on a real
Synapse. The process holding the jobs (and the Matrix sync) is killed with SIGKILL in the middle of a feedback
fan-out to 1,000 residents that an organiser started in the moderation room. Then:

- every resident gets the feedback; duplicates only within the in-flight window (rows the dead process had
  claimed and sent but not marked sent), and no 429 from the emulator: the two shared one budget;
- residents who chat meanwhile get their answers in the order they asked, though their updates alternate between
  the processes (the webhook answers after the turn, the per-conversation lock orders the turns), also the answer
  to a turn the killed process committed but had not confirmed sent: the process Telegram sends that update to
  again sends it at once (bot/engine/replies.py), at most a second time right after the first if the killed
  process had sent it just before it died;
- a poll closes on time, on the process that took over;
- no Matrix event is handled twice: the organiser's command got one answer, and the taker-over answers the next.

The processes run on the real clock: the test takes about a minute, most of it the fan-out at 100 messages a
second (the emulator's limit; Telegram's real one is 30).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import nio
import pytest

from bench.harness import seed_postgresql_residents
from bot.config import load
from bot.engine.outbox import BATCH
from bot.store import polls as polls_repo
from bot.store.cluster import LEADER
from bot.store.db import Database
from tests.channels.matrix_fixtures import synapse_fixture
from tests.cluster.harness import WEBHOOK_PATH, Proxy, Wijkbot, config_toml, free_port
from tests.peers.botapi import BotApiEmulator
from tests.peers.synapse import SynapseServer, make_client

__all__ = ["synapse_fixture"]
pytestmark = [pytest.mark.timeout(400),
              pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")]

SERVER = "postgresql://postgres@127.0.0.1:5432"
TOKEN = "123456:CLUSTER-token_abcdefghij"
RESIDENTS = 1000
FIRST = 800_000
RATE = 100  # messages a second, the emulator's limit and the bot's setting
CHATTERS = 4
ASKED = ["/privacy", "/help", "/status", "/contact", "/privacy", "/status"]
ANSWERS = {"/privacy": "Zo gaan we om met je gegevens", "/help": "Ik ben de wijkbot",
           "/status": "Je hebt nog geen verhaal", "/contact": "Je wijk heeft nog geen contactpersoon"}
MARK = "Kerkstraat"  # in the feedback's text
TAKEOVER = 30.0  # seconds the issue allows


@pytest.fixture
async def database() -> AsyncIterator[str]:
    name = f"wijkbot_twoproc_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await admin.execute(f"CREATE DATABASE {name}")
        yield f"{SERVER}/{name}"
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


async def until(check: Callable[[], Any], what: str | Callable[[], str], timeout: float = 60.0) -> Any:  # noqa: ASYNC109
    """Wait for a peer (a process, the emulator, Synapse) to get somewhere; fail naming it."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if inspect.isawaitable(found):
            found = await found
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what() if callable(what) else what}")
        await asyncio.sleep(0.1)


async def seed(config_path: Path, dsn: str, room: str, closes_at: datetime) -> None:
    """Migrate; 1,000 residents of Centrum who follow it (no quiet hours; the chatters speak Dutch); one open poll
    that closes at ``closes_at`` (shorter than an organiser may make one: written through the store)."""
    config = load(config_path)
    db = Database(config.database)
    await db.open()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    async with db.transaction() as tx:
        poll = await polls_repo.create(
            tx, reference="P-2026-0001", question="Bankjes op het plein?", options=("Ja", "Nee"),
            neighbourhoods=("centrum",), max_selections=1, youth=None, opens_at=now,
            closes_at=closes_at.isoformat(timespec="seconds"), room=room, author="@org:localhost", now=now,
            vote_key=None)
        await polls_repo.set_open(tx, poll.id, now)
    await db.close()
    await seed_postgresql_residents(
        dsn, FIRST, ["nl" if n < CHATTERS else ("en", "tr", "pl", "ar")[n % 4] for n in range(RESIDENTS)])


async def leader_pid(dsn: str) -> int | None:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1"
                                   " AND objsubid = 2 AND granted", LEADER)
    finally:
        await conn.close()


async def room_answers(client: nio.AsyncClient, room: str, bot_id: str) -> list[str]:
    """What the bot wrote in the room so far (from the room's history, oldest first)."""
    resp = await client.room_messages(room, start="", limit=200, direction=nio.MessageDirection.back)
    assert isinstance(resp, nio.RoomMessagesResponse), resp
    return [e.body for e in reversed(resp.chunk) if isinstance(e, nio.RoomMessageText | nio.RoomMessageNotice)
            and e.sender == bot_id]


async def test_two_processes_share_the_work_and_one_takes_over_from_the_killed_one(
        tmp_path: Path, synapse: SynapseServer, database: str) -> None:
    bot = await synapse.register_user(f"wijkbot{secrets.token_hex(3)}")
    organiser_user = await synapse.register_user(f"org{secrets.token_hex(3)}")
    organiser = await make_client(synapse, organiser_user)
    created = await organiser.room_create(name="Moderatie Centrum", invite=[bot.user_id])
    assert isinstance(created, nio.RoomCreateResponse), created
    room = created.room_id

    emu = BotApiEmulator(TOKEN, rate_limit_per_second=RATE, per_chat_limits=True)
    await emu.start()
    users = [emu.user(FIRST + n, f"Bewoner{n}", started=True) for n in range(RESIDENTS)]
    ports = [free_port(), free_port()]
    proxy = Proxy([f"http://127.0.0.1:{port}{WEBHOOK_PATH}" for port in ports], lambda update: update["update_id"])
    await proxy.start()
    configs = []
    for index, port in enumerate(ports):
        path = tmp_path / f"config-{index}.toml"
        path.write_text(config_toml(
            database=database, emulator=emu.base_url, token=TOKEN, webhook_port=port, proxy=proxy.url,
            rate_limit=RATE, homeserver=synapse.base_url, bot_user=bot.user_id, bot_password=bot.password,
            store=tmp_path / f"matrix-store-{index}", organiser=organiser_user.user_id, room=room), encoding="utf-8")
        configs.append(path)
    closes_at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=75)
    await seed(configs[0], database, room, closes_at)

    first = Wijkbot(configs[0], "first")
    second: Wijkbot | None = None

    def logs() -> str:
        return "\n".join(f"--- {p.name}:\n{p.stderr()[-3000:]}" for p in (first, second) if p is not None)

    try:
        await until(lambda: leader_pid(database), lambda: f"the first process leads: {first.stderr()[-3000:]}")
        await until(lambda: emu.queue.webhook is not None, "the webhook is set")
        second = Wijkbot(configs[1], "second")
        await until(lambda: len(emu.calls_to("setWebhook")) >= 2 and _listening(ports[1]),
                    lambda: f"the second process listens: {logs()}")

        # Residents chat while the fan-out runs; their updates alternate between the processes.
        chatting = [asyncio.create_task(chat(users[n])) for n in range(CHATTERS)]
        await organiser.room_send(room, "m.room.message", {
            "msgtype": "m.text", "body": f"!feedback thema wonen | klaar | De lantaarns in de {MARK} branden weer"
                                         " | jullie schreven dat de straat 's avonds onveilig voelde"})
        await until(lambda: delivered(emu) >= 200, lambda: f"the fan-out is under way: {logs()}", 120)
        first.kill_9()  # the leader: jobs, Matrix sync, and its share of the sending
        killed_at = time.monotonic()
        new_leader = await until(lambda: leader_pid(database), "the second process takes over", TAKEOVER + 5)
        assert time.monotonic() - killed_at <= TAKEOVER and new_leader

        await until(lambda: delivered(emu) >= RESIDENTS and all(feedback_count(emu, user.id) for user in users),
                    lambda: f"every resident has the feedback ({delivered(emu)}): {logs()}", 180)
        counts = Counter({user.id: feedback_count(emu, user.id) for user in users})
        duplicates = sum(count - 1 for count in counts.values())
        assert duplicates <= 2 * BATCH, duplicates  # the dead process's claimed rows in flight, at most
        # Both processes share the overall budget (no 429 for it); a resident who chats while the feedback comes
        # can get answers from both processes within a second, and only its own chat then waits (pacing is per
        # process): the message still arrives, in order.
        assert emu.stats["429_overall"] == 0, dict(emu.stats)

        await asyncio.gather(*chatting)
        for user in users[:CHATTERS]:
            answers = answered(emu, user.id)
            in_order = [a for n, a in enumerate(answers) if n == 0 or a != answers[n - 1]]
            assert in_order == ASKED, answers  # in the order asked, also the one the killed process committed
            assert len(answers) - len(in_order) <= 1, answers  # at most that one twice, in place (in flight)

        await until(lambda: poll_closed(database), "the poll closes", (closes_at - datetime.now(UTC)).total_seconds()
                    + TAKEOVER)
        closed_at = datetime.fromisoformat(await poll_closed(database))
        assert closed_at <= closes_at + timedelta(seconds=5)  # on time, on the taker-over

        await organiser.room_send(room, "m.room.message", {"msgtype": "m.text", "body": "!help"})
        answers = await until(lambda: _help_answered(organiser, room, bot.user_id), "the taker-over answers", 60)
        assert sum(1 for body in answers if "F-2026-0001" in body) == 1  # !feedback answered once, not replayed
    finally:
        first.close()
        if second is not None:
            await second.stop()
            second.close()
        await proxy.stop()
        await emu.stop()
        await organiser.close()
    print(json.dumps({"duplicates": duplicates, "forwarded": proxy.forwarded}))


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


async def chat(user: Any) -> None:
    for text in ASKED:
        await user.send(text)


def feedback_count(emu: BotApiEmulator, chat_id: int) -> int:
    return sum(1 for m in emu.messages(chat_id) if m.from_bot and MARK in m.data.get("text", ""))


def delivered(emu: BotApiEmulator) -> int:
    return sum(feedback_count(emu, user_id) for user_id in range(FIRST, FIRST + RESIDENTS))


def answered(emu: BotApiEmulator, chat_id: int) -> list[str]:
    """The commands the bot's messages answered, in the order they arrived."""
    found = []
    for message in emu.messages(chat_id):
        text = message.data.get("text", "") if message.from_bot else ""
        found += [command for command, start in ANSWERS.items() if text.startswith(start)]
    return found


async def poll_closed(dsn: str) -> str | None:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT closed_at FROM polls WHERE reference = 'P-2026-0001' AND status = 'closed'")
    finally:
        await conn.close()


async def _help_answered(client: nio.AsyncClient, room: str, bot_id: str) -> list[str] | None:
    answers = await room_answers(client, room, bot_id)
    return answers if any("!feedback" in body for body in answers[-1:]) else None
