"""A closed youth poll, as an auditor with the database files sees it: no key, no old voter hashes, no order of
voting in the rows' places, no vote-time timestamps anywhere (issue 13, point 1)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.channels.base import Incoming
from bot.clock import ManualClock
from tests.disk import backup_copy, files_of, holding, order_in_pages, spearman, youth_vote_rows
from tests.engine.polls_support import MONDAY, join, poll_of, room, rows
from tests.pg_disk import physical_order, relation_files
from tests.support import table_names

VOTERS = 400
OPTIONS = "ABCDEFGHIJ"
FORM = ("!poll Where should the new bench go? | " + " | ".join(f"Place {o}" for o in OPTIONS)
        + " | closes over 3 dagen | jongeren 12-17")


def option_of(rank: int) -> int:
    """The voting order shows in the option chosen: the first 40 voters take option 1, the next 40 option 2 …"""
    return 1 + rank * len(OPTIONS) // VOTERS


async def test_a_closed_youth_poll_keeps_no_key_no_order_and_no_times(
        app: App, manual_clock: ManualClock, tmp_path: Path) -> None:
    manual_clock.set(MONDAY)
    kids = [await join(app, f"kid{i:03}", band="12-14" if i % 2 else "15-17") for i in range(VOTERS)]
    await room(app, FORM)
    await app.outbox.drain()
    key = (await poll_of(app))["vote_key"]
    voted_at: list[str] = []
    for rank, kid in enumerate(kids):  # a known order, each vote at its own second
        manual_clock.advance(timedelta(seconds=7))
        voted_at.append(app.services.now_iso())
        press = Incoming(kid.actor, kid.address, choice=f"vote.1.{option_of(rank)}", event_id=f"update-{rank}")
        assert "Your vote" in (await kid.send(press))[0].text
    hashes = [hmac.new(bytes.fromhex(key), f"telegram\n{kid.actor.user_id}".encode(), hashlib.sha256).hexdigest()
              for kid in kids]
    assert {r["voter"] for r in await rows(app, "SELECT voter FROM poll_youth_votes")} == set(hashes)

    manual_clock.advance(timedelta(hours=2))
    assert "closed" in await room(app, "!close-poll P-2026-0001")
    if app.db.dialect == "postgresql":
        disk = await relation_files(app)  # every table's, index's and TOAST table's file, after a CHECKPOINT
    else:
        database = Path(app.db.path)
        disk = {**files_of(database), "backup": backup_copy(database, tmp_path / "backup.sqlite3").read_bytes()}

    # The key, the voter hashes made with it and the exact moments of voting are nowhere, not even as free bytes.
    assert holding(disk, key, bytes.fromhex(key)) == {}
    assert holding(disk, *hashes) == {}
    assert holding(disk, *voted_at) == {}
    if app.db.dialect == "postgresql":  # the rows' places in the table's file (ctid) say nothing of the order
        options = await physical_order(app, "poll_youth_votes", "option")
        assert sorted(options) == sorted(option_of(r) for r in range(VOTERS))
        assert abs(spearman(list(range(len(options))), options)) < 0.2
        await _counted_once(app)
        return
    # The votes themselves are all there, and their places in the file say nothing about who voted first: neither
    # their order in the file, nor their order inside each page, nor (in the WAL) the order they were written in.
    for name in ("db", "backup"):
        found = youth_vote_rows(disk[name], poll_id=1)
        assert sorted(option for _, _, option in found) == sorted(option_of(r) for r in range(VOTERS)), name
    for name, data in disk.items():
        found = youth_vote_rows(data, poll_id=1)
        if len(found) < 2:
            continue
        options = [option for _, _, option in found]
        in_file = spearman([offset for offset, _, _ in found], options)
        in_pages = spearman(order_in_pages(found), options)
        assert abs(in_file) < 0.2 and abs(in_pages) < 0.2, (name, len(found), in_file, in_pages)
    await _counted_once(app)


async def _counted_once(app: App) -> None:
    """The result still counts every voter once."""
    assert [(r["option"], r["n"]) for r in await rows(
        app, "SELECT option, COUNT(DISTINCT voter) AS n FROM poll_youth_votes GROUP BY option ORDER BY option")] \
        == [(n, VOTERS // len(OPTIONS)) for n in range(1, len(OPTIONS) + 1)]


async def test_a_vote_leaves_no_trace_of_its_moment_next_to_the_voter(app: App, manual_clock: ManualClock) -> None:
    """Every write a youth vote causes, table by table: nothing that names the voter gets the time of the vote."""
    manual_clock.set(MONDAY)
    kid = await join(app, "kid", band="12-14")
    typist = await join(app, "typist", band="15-17")
    await room(app, FORM)
    manual_clock.advance(timedelta(minutes=13, seconds=17))
    before = await _dump(app)
    assert "Your vote" in (await kid.send(Incoming(kid.actor, kid.address, choice="vote.1.3",
                                                   event_id="update-1")))[0].text
    await typist.say("/polls")
    assert "Your vote" in (await typist.say("2", event_id="update-2"))[0].text  # typed after /polls
    minute = app.services.now_iso()[:16]  # e.g. 2026-03-02T10:13
    changed = (await _dump(app)) - before
    assert changed and not [row for row in changed if minute in row], changed


async def _dump(app: App) -> set[str]:
    """Every row of every table, as text."""
    found = set()
    async with app.db.transaction() as tx:
        for table in await table_names(tx):
            for row in await tx.all(f"SELECT * FROM {table}"):
                found.add(f"{table}: {tuple(row)}")
    return found

