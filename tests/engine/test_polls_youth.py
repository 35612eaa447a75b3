"""Youth polls: only an age band is stored; votes are kept under a keyed hash that no table links to a person;
numbers are shown only from the minimum number of voters on; youth and everyone compared on the same question."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.clock import ManualClock
from bot.i18n import Translator
from tests.engine.polls_support import (
    MONDAY,
    PUBLIC_ROOM,
    join,
    matrix_vote,
    message_id,
    poll_of,
    room,
    rows,
    sent_to,
    tap,
)
from tests.pg_disk import relation_files
from tests.support import Person, Recorder, column_names, make_config, table_names

YOUTH_FORM = "!poll Skatepark or football cage? | Skatepark | Football cage | closes over 3 dagen | jongeren 12-17"
EVERYONE_FORM = "!poll Skatepark or football cage? | Skatepark | Football cage | closes over 4 dagen"


async def youths(app: App, count: int, start: int = 0) -> list[Person]:
    return [await join(app, f"kid{i}", band="12-14" if i % 2 else "15-17") for i in range(start, start + count)]


async def test_youth_votes_are_linked_to_nobody(app: App, manual_clock: ManualClock, telegram_recorder: Recorder,
                                                matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    kids = await youths(app, 3)
    bob = await join(app, "bob", channel="matrix", band="15-17")
    await join(app, "adult")  # opted in, no age group: not told about a youth poll
    await join(app, "student", band="18-20")
    assert "4 residents will hear of it" in await room(app, YOUTH_FORM)
    await app.outbox.drain()
    assert sent_to(telegram_recorder, "adult") == [] and sent_to(telegram_recorder, "student") == []
    [public] = sent_to(matrix_recorder, PUBLIC_ROOM)
    private_chat = Translator("nl")._("For young people aged {band}: vote in a private chat with me, type /polls. "
                                      "Votes are stored without names.", band="12-17")
    assert public.poll is None and private_chat in public.text  # no votes in view of a whole room (in Dutch)

    for number, kid in enumerate(kids):
        receipt = await kid.send(tap(kid, f"vote.1.{1 + number % 2}"))
        assert "stored without your name or chat account" in receipt[0].text
    bobs_poll = message_id(matrix_recorder, sent_to(matrix_recorder, "bob")[0])
    await bob.send(matrix_vote("bob", bobs_poll, "1"))
    await bob.send(matrix_vote("bob", bobs_poll, "2"))  # changed: the same hash, the vote replaced
    tally = await rows(app, "SELECT option, COUNT(*) AS n FROM poll_youth_votes GROUP BY option ORDER BY option")
    assert [(r["option"], r["n"]) for r in tally] == [(1, 2), (2, 2)]

    # What the database holds: a hash per voter and nothing else; no ordinary vote rows, no times.
    async with app.db.transaction() as tx:
        columns = await column_names(tx, "poll_youth_votes")
    assert columns == ["poll_id", "voter", "option"]
    assert await rows(app, "SELECT * FROM poll_votes") == []
    key = (await poll_of(app))["vote_key"]
    voters = {r["voter"] for r in await rows(app, "SELECT voter FROM poll_youth_votes")}
    mine = hmac.new(bytes.fromhex(key), b"telegram\nkid0", hashlib.sha256).hexdigest()
    assert mine in voters  # while the poll runs the key lets a vote be changed …
    assert hashlib.sha256(b"telegram\nkid0").hexdigest() not in voters  # … and nothing without the key finds it

    await room(app, "!close-poll P-2026-0001")
    assert (await poll_of(app))["vote_key"] is None  # … and once closed, nobody can recompute the hashes
    if app.db.dialect == "sqlite":
        await app.db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        files = {f.name: f.read_bytes() for f in Path(app.db.path).parent.glob(Path(app.db.path).name + "*")}
    else:  # every table's and index's file
        files = await relation_files(app)
    assert files and not any(key.encode() in data for data in files.values())  # not even as deleted bytes
    # No table holds a youth's account next to anything about how they voted.
    people = {"kid0", "kid1", "kid2", "bob"}
    async with app.db.transaction() as tx:
        tables = await table_names(tx)
        for table in tables:
            for row in await tx.all(f"SELECT * FROM {table}"):
                values = [str(v) for v in tuple(row)]
                if people & set(values) or any(p in v for p in people for v in values if "\n" not in v):
                    assert table in ("residents", "conversations", "poll_messages", "outbox"), table
                    assert not any("✓" in v or v in voters for v in values), (table, values)


async def test_results_only_from_the_minimum_number_of_voters(app: App, manual_clock: ManualClock,
                                                              telegram_recorder: Recorder,
                                                              matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    kids = await youths(app, 5)
    await room(app, YOUTH_FORM)
    await room(app, YOUTH_FORM.replace("Skatepark or", "Park or"))
    await app.outbox.drain()
    for kid in kids[:4]:
        await kid.send(tap(kid, "vote.1.1"))
        await kid.send(tap(kid, "vote.2.2"))
    await kids[4].send(tap(kids[4], "vote.2.1"))

    count = await room(app, "!count P-2026-0001")
    assert "Fewer than 5 people voted, so no numbers are shown" in count and "Skatepark:" not in count
    assert "too few voters to show" in await room(app, "!polls")
    await room(app, "!close-poll P-2026-0001")
    await room(app, "!close-poll P-2026-0002")
    await app.outbox.drain()
    first = [r for r in sent_to(telegram_recorder, "kid0")
             if r.text.startswith("The results are in: Skatepark or football cage?")]
    assert len(first) == 1 and "Fewer than 5 people voted" in first[0].text and first[0].attachment is None
    assert "Skatepark:" not in first[0].text and "%" not in first[0].text  # no number of votes at all
    # Also with too few votes: thanks, what they can still do, and where they will hear what was done.
    assert "Thank you for voting!" in first[0].text and "Type /share" in first[0].text
    assert "You will hear here in this chat" in first[0].text and "P-2026" not in first[0].text
    second = [r for r in sent_to(telegram_recorder, "kid0")
              if r.text.startswith("The results are in: Park or football cage?")]
    assert "5 people voted." in second[0].text and "Football cage: 4 votes (80%) ▇▇▇▇▇▇▇▇" in second[0].text
    assert second[0].attachment is not None and second[0].attachment.data is not None
    assert "You will hear here in this chat" in second[0].text and "Type /share" not in second[0].text
    # Organisers keep the reference and the audience in their room.
    organisers = [r.text for r in sent_to(matrix_recorder, "!mod-centrum:localhost")
                  if "Results of the poll P-2026-0001" in r.text]
    assert len(organisers) == 1 and "A poll for young people aged 12-17." in organisers[0]
    public = [r.text for r in sent_to(matrix_recorder, PUBLIC_ROOM) if "Uitslag van de peiling P-2026-0001" in r.text]
    assert len(public) == 1 and "in deze chat" not in public[0]  # a room (Dutch here) is not someone's own chat


async def test_the_minimum_is_configurable(tmp_path: Path, manual_clock: ManualClock) -> None:
    telegram = Recorder("telegram")
    app = App(make_config(tmp_path, polls={"min_results": 2}), [telegram, Recorder("matrix")], clock=manual_clock)
    await app.start(background=False)
    try:
        manual_clock.set(MONDAY)
        kids = await youths(app, 2)
        await room(app, YOUTH_FORM)
        for kid in kids:
            await kid.send(tap(kid, "vote.1.2"))
        assert "Football cage: 2 votes (100%)" in await room(app, "!count P-2026-0001")
    finally:
        await app.stop()


async def test_who_may_vote_in_a_youth_poll(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(MONDAY)
    adult = await join(app, "adult")
    student = await join(app, "student", band="18-20")
    [kid] = await youths(app, 1)
    await room(app, YOUTH_FORM)
    unknown = await adult.send(tap(adult, "vote.1.1"))
    assert "for young people aged 12-17. If that is you, tell me your age group in /settings" in unknown[0].text
    assert "aged 12-17. Your vote does not count." in (await student.send(tap(student, "vote.1.1")))[0].text
    assert "Your vote: Skatepark" in (await kid.send(tap(kid, "vote.1.1")))[0].text
    assert "age groups 12-14, 15-17, 18-20, 21-23" in await room(app, YOUTH_FORM.replace("12-17", "13-17"))
    assert "Give the ages of a youth poll" in await room(app, YOUTH_FORM.replace("jongeren 12-17", "youth"))


async def test_youth_and_everyone_compared_on_the_same_question(app: App, manual_clock: ManualClock,
                                                                matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    kids = await youths(app, 5)
    adults = [await join(app, f"adult{i}") for i in range(5)]
    await room(app, YOUTH_FORM)
    await room(app, EVERYONE_FORM)
    for kid in kids:
        await kid.send(tap(kid, "vote.1.1"))
    for number, adult in enumerate(adults):
        await adult.send(tap(adult, f"vote.2.{1 if number < 2 else 2}"))
    manual_clock.advance(timedelta(days=3, minutes=1))
    await app.scheduler.run(next(name for name, at in app.scheduler.planned().items() if at <= manual_clock.now()))
    manual_clock.advance(timedelta(days=1))
    await app.scheduler.run(sorted(app.scheduler.planned())[-1])
    await app.outbox.drain()
    moderation = [r.text for r in matrix_recorder.sent if "Results of the poll P-2026-0002" in r.text]
    public = [r.text for r in sent_to(matrix_recorder, PUBLIC_ROOM) if "P-2026-0002" in r.text and r.attachment]
    assert len(moderation) == 1 and len(public) == 1  # the moderation room (English here) and the public room
    assert "Young people (12-17) and everyone, on the same question:" in moderation[0]
    assert "Skatepark: young people 100%, everyone 40%" in moderation[0]
    first = [r.text for r in matrix_recorder.sent if "Results of the poll P-2026-0001" in r.text]
    assert all("on the same question" not in text for text in first)  # the other poll was still open then


async def test_the_youth_announcement_reads_without_clutter(app: App, manual_clock: ManualClock,
                                                            telegram_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    kids = await youths(app, 1)
    await room(app, YOUTH_FORM)
    await app.outbox.drain()
    announced = [r.text for r in sent_to(telegram_recorder, "kid0") if "Skatepark or football cage?" in r.text]
    assert announced[0].startswith("A question for young people in Centrum: Skatepark or football cage?")
    assert "P-2026" not in announced[0] and "Reference" not in announced[0]  # organisers' business
    closes = MONDAY + timedelta(days=3)
    assert f"You can vote until {closes:%a}, {closes.day} {closes:%b} at " in announced[0]  # a short date …
    assert str(closes.year) not in announced[0]  # … without the year
    receipt = (await kids[0].send(tap(kids[0], "vote.1.1")))[0].text
    assert "Your vote: Skatepark" in receipt and str(closes.year) not in receipt
