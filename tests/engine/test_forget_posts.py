"""/forget beyond the resident's own rows (issue 13.2): what is queued is withdrawn, what was posted of their
stories is taken back through the outbox, and the outbox keeps none of their words, name or chat id."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import App
from bot.channels.base import Actor, Address, Incoming, Reply, SendResult
from bot.clock import ManualClock
from bot.store.db import Database
from tests.engine.test_moderation import MOD_ROOM, organiser, tell_story
from tests.support import Person, Recorder, table_names

PUBLIC_ROOM, GROUP = "!public-centrum:localhost", "-100123"
CHAT = "7001234"  # the resident's Telegram chat (and user) id
NAME = "Marieke"
WORDS = "lantaarnpalen"
STORY = f"De {WORDS} bij de Kerkstraat zijn al weken kapot, bel 06-12345678."


async def share(app: App, person: Person, name: str | None = NAME) -> str:
    return await tell_story(app, person, name, STORY)


async def published(app: App, person: Person) -> str:
    """A story with her name, approved: in the moderation room, the public room and the group."""
    reference = await share(app, person)
    await app.outbox.drain()
    await app.dispatch(organiser(app, f"!approve {reference}"))
    await app.outbox.drain()
    return reference


async def resident(app: App) -> Person:
    person = Person(app, CHAT, channel="telegram")
    await person.onboard("centrum")
    return person


async def outbox_dump(db: Database) -> str:
    """Every column of every outbox row, as an auditor reading the table would see it."""
    async with db.transaction() as tx:
        rows = await tx.all("SELECT * FROM outbox")
    return "\n".join(" | ".join(str(value) for value in tuple(row)) for row in rows)


async def every_value(db: Database) -> list[tuple[str, str, object]]:
    """(table, column, value) for every value in every table of the database."""
    found: list[tuple[str, str, object]] = []
    async with db.transaction() as tx:
        tables = await table_names(tx)
        for table in tables:
            for row in await tx.all(f"SELECT * FROM {table}"):
                found += [(table, column, row[column]) for column in row.keys()]  # noqa: SIM118 (a Row yields values)
    return found


async def test_erase_me_and_my_stories_takes_back_every_post_and_leaves_nothing_in_the_outbox(
        app: App, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    marieke = await resident(app)
    first = await published(app, marieke)  # Marieke is told, too
    mod_post, public_post = (r for r in matrix_recorder.sent
                             if r.address and r.address.chat_id != GROUP and r.edit_of is None)
    assert any(r.edit_of == "$matrix-1" and "Approved by" in r.text for r in matrix_recorder.sent)  # the post's state
    assert NAME in mod_post.text and f"— {NAME}" in public_post.text
    assert any(f"— {NAME}" in text for text in telegram_recorder.texts(GROUP))
    waiting = await share(app, marieke)  # still queued for the moderation room when she erases herself
    assert WORDS in await outbox_dump(app.db) and CHAT in await outbox_dump(app.db)

    await marieke.say("/forget")
    await marieke.say("Erase me and my stories")
    assert "3 messages with your stories are being removed" in marieke.text()

    dump = await outbox_dump(app.db)
    for personal in (WORDS, NAME, CHAT, "[telefoonnummer]", first, waiting):
        assert personal not in dump, personal
    assert await app.outbox.drain() == 3
    assert {(a.chat_id, m) for a, m in matrix_recorder.deleted} == {(MOD_ROOM, "$matrix-1"),
                                                                     (PUBLIC_ROOM, "$matrix-2")}
    group_post = next(r for r in telegram_recorder.sent if r.address and r.address.chat_id == GROUP)
    assert [(a.chat_id, a.private) for a, _ in telegram_recorder.deleted] == [(GROUP, False)]
    assert group_post.text.endswith(f"— {NAME}")
    assert len([r for r in matrix_recorder.sent if r.edit_of is None]) == 2  # the waiting story never reached the room
    dump = await outbox_dump(app.db)
    for personal in (WORDS, NAME, CHAT):
        assert personal not in dump, personal
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM story_posts") == 0
        assert await tx.value("SELECT COUNT(*) FROM experiences") == 0


async def test_keep_my_stories_without_my_name_leaves_no_row_linking_a_story_to_me(
        app: App, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    marieke = await resident(app)
    await published(app, marieke)
    waiting = await share(app, marieke)
    await app.outbox.drain()  # in the moderation room with her name, waiting for a decision
    anonymous = await share(app, marieke, name=None)
    async with app.db.transaction() as tx:
        resident_id = await tx.value("SELECT id FROM residents")

    await marieke.say("/forget")
    await marieke.say("Erase me, keep my stories anonymously")
    # Named: the moderation post and the publications of the first story, the moderation post of the second.
    assert "4 messages that showed your first name with a story are being removed" in marieke.text()

    for table, column, value in await every_value(app.db):
        text = str(value)
        assert CHAT not in text and NAME not in text, (table, column)
        if column in ("resident_id", "author_id"):
            assert value != resident_id, (table, column)
    before = len(matrix_recorder.sent)
    group_post = telegram_recorder.sent.index(next(r for r in telegram_recorder.sent if r.address
                                                   and r.address.chat_id == GROUP)) + 1
    await app.outbox.drain()
    assert {m for _, m in matrix_recorder.deleted} == {"$matrix-1", "$matrix-2", "$matrix-3"}
    assert telegram_recorder.deleted == []  # in Telegram the post is edited in place instead
    edit = telegram_recorder.sent[-1]
    assert edit.edit_of == f"$telegram-{group_post}" and edit.text.endswith("— een bewoner"), edit
    after = matrix_recorder.sent[before:]
    assert all(NAME not in r.text for r in after)
    by_room = {(r.address.chat_id if r.address else "", r.text.split("\n", 1)[0].split(" ", 2)[-1]) for r in after}
    # The anonymous story goes to moderation as queued; the waiting one comes back there without the name, and
    # the published one in the public room and the group.
    assert by_room == {(MOD_ROOM, anonymous + " · Centrum · Safety and crime"),
                       (MOD_ROOM, waiting + " · Centrum · Safety and crime"),
                       (PUBLIC_ROOM, "uit Centrum over Veiligheid en misdaad:")}, by_room
    reposted = next(r for r in after if waiting in r.text)
    assert reposted.reactions == ("✅", "🚫", "✏️") and "Shown as: anonymous" in reposted.text

    # The post that came back is a moderation post like any other: a ✅ on it decides.
    sent = matrix_recorder.sent[:before + after.index(reposted) + 1]
    post_id = f"$matrix-{sum(r.edit_of is None for r in sent)}"  # edits keep their message's id
    reaction = Incoming(Actor("matrix", "@org:localhost"), Address("matrix", MOD_ROOM, private=False),
                        reaction="✅", reacted_to=post_id, moderator=True, event_id="$r")
    replies = await app.dispatch(reaction)
    assert f"{waiting} approved" in replies[0].text
    for table, column, value in await every_value(app.db):
        assert CHAT not in str(value) and NAME not in str(value), (table, column)


async def test_a_telegram_post_older_than_48_hours_keeps_only_a_note(app: App, manual_clock: ManualClock,
                                                                      matrix_recorder: Recorder,
                                                                      telegram_recorder: Recorder) -> None:
    marieke = await resident(app)
    await published(app, marieke)
    group_post = next(r for r in telegram_recorder.sent if r.address and r.address.chat_id == GROUP)
    group_post_id = f"$telegram-{telegram_recorder.sent.index(group_post) + 1}"
    manual_clock.advance(timedelta(hours=49))
    await marieke.say("/forget")
    await marieke.say("Erase me and my stories")
    assert "2 messages with your stories are being removed" in marieke.text()
    assert ("1 message in a Telegram group is older than 48 hours. Telegram does not let the bot delete it, so its "
            "text is replaced by a note") in marieke.text()
    await app.outbox.drain()
    assert len(matrix_recorder.deleted) == 2 and telegram_recorder.deleted == []
    note = telegram_recorder.sent[-1]
    assert note.address == group_post.address and note.edit_of == group_post_id
    # in the group's language (the default):
    assert note.text == "Dit verhaal is weggehaald. De persoon die het deelde, heeft daarom gevraagd."
    assert WORDS not in await outbox_dump(app.db)
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") == 0


async def test_keeping_the_stories_edits_the_name_out_of_a_telegram_post_of_any_age(
        app: App, manual_clock: ManualClock, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    marieke = await resident(app)
    await published(app, marieke)
    group_post = next(r for r in telegram_recorder.sent if r.address and r.address.chat_id == GROUP)
    manual_clock.advance(timedelta(days=30))
    await marieke.say("/forget")
    await marieke.say("Erase me, keep my stories anonymously")
    assert "3 messages that showed your first name" in marieke.text() and "48 hours" not in marieke.text()
    in_group = len(telegram_recorder.texts(GROUP))
    await app.outbox.drain()
    assert telegram_recorder.deleted == [] and len(telegram_recorder.texts(GROUP)) == in_group + 1
    edit = telegram_recorder.sent[-1]
    assert edit.edit_of == f"$telegram-{telegram_recorder.sent.index(group_post) + 1}"
    assert edit.text.endswith("— een bewoner") and NAME not in edit.text
    assert matrix_recorder.texts(PUBLIC_ROOM)[-1].endswith("— een bewoner")  # Matrix: redacted and posted again
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT named FROM story_posts WHERE channel = 'telegram'") == 0


async def test_a_removal_the_platform_refuses_for_good_is_not_retried_and_blames_nobody(
        app: App, matrix_recorder: Recorder) -> None:
    marieke = await resident(app)
    await share(app, marieke)
    await app.outbox.drain()
    await marieke.say("/forget")
    await marieke.say("Erase me and my stories")
    matrix_recorder.fail_with = SendResult(ok=False, final=True, error="no access to the room")
    assert await app.outbox.drain() == 0
    async with app.db.transaction() as tx:
        row = await tx.one("SELECT status, attempts FROM outbox WHERE purpose = 'delete'")
        assert await tx.value("SELECT COUNT(*) FROM residents WHERE unreachable_at IS NOT NULL") == 0
    assert row is not None and (row["status"], row["attempts"]) == ("failed", 1)


class Gated(Recorder):
    """A channel whose first send waits until the test lets it finish (a post in flight)."""

    def __init__(self, name: str) -> None:
        super().__init__(name, can_send_files=True)
        self.entered, self.release = asyncio.Event(), asyncio.Event()

    async def send(self, reply: Reply) -> SendResult:
        if not self.entered.is_set():
            self.entered.set()
            await self.release.wait()
        return await super().send(reply)


async def test_a_post_in_flight_while_the_story_is_erased_is_taken_back_once_it_arrives(
        tmp_path: object, manual_clock: ManualClock, telegram_recorder: Recorder) -> None:
    from pathlib import Path

    from tests.support import make_config

    matrix = Gated("matrix")
    app = App(make_config(Path(str(tmp_path))), [matrix, telegram_recorder], clock=manual_clock)
    await app.start(background=False)
    try:
        marieke = await resident(app)
        await share(app, marieke)
        drain = asyncio.create_task(app.outbox.drain())
        await asyncio.wait_for(matrix.entered.wait(), 5)  # the moderation post is on its way
        await marieke.say("/forget")
        await marieke.say("Erase me and my stories")
        matrix.release.set()
        await drain
        assert [r.address.chat_id for r in matrix.sent if r.address] == [MOD_ROOM]
        await app.outbox.drain()
        assert matrix.deleted and matrix.deleted[0][1] == "$matrix-1"
        assert WORDS not in await outbox_dump(app.db)
    finally:
        await app.stop()


async def test_mydata_shows_what_is_waiting_to_be_sent(app: App, manual_clock: ManualClock) -> None:
    marieke = await resident(app)
    reference = await published(app, marieke)
    manual_clock.set(manual_clock.now().replace(hour=21))  # 22:00 in Amsterdam: her quiet hours (21:00-08:00)
    await app.dispatch(organiser(app, f"!feedback {reference} | done | We repaired the lights | the contractor had "
                                      "room"))
    assert await app.outbox.drain() == 0  # it waits until 08:00
    await marieke.say("/mydata")
    text = marieke.text()
    assert "1 message is waiting to be sent to you:" in text
    line = text.split("1 message is waiting to be sent to you:\n", 1)[1].split("\n", 1)[0]
    assert "8:00" in line and reference in line, line


async def test_the_contact_persons_copy_is_taken_back_and_a_queued_one_withdrawn(
        app: App, matrix_recorder: Recorder) -> None:
    from tests.engine.contacts_support import ADD_ANNA, ANNA, room

    assert "C-" in await room(app, f"!contact add {ADD_ANNA}")
    await app.outbox.drain()
    marieke = await resident(app)
    delivered = await share(app, marieke)
    await app.outbox.drain()
    copy = next(i for i, r in enumerate(matrix_recorder.sent) if r.address and r.address.chat_id == ANNA)
    assert delivered in matrix_recorder.sent[copy].text and WORDS in matrix_recorder.sent[copy].text
    queued = await share(app, marieke)  # its copy for Anna is still in the outbox
    await marieke.say("/forget")
    await marieke.say("Erase me and my stories")
    assert "2 messages with your stories are being removed" in marieke.text()  # moderation post and Anna's copy
    sent_before = len(matrix_recorder.sent)
    await app.outbox.drain()
    assert (ANNA, f"$matrix-{copy + 1}") in {(a.chat_id, m) for a, m in matrix_recorder.deleted}
    assert len(matrix_recorder.sent) == sent_before  # the queued copy (and moderation post) never went out
    dump = await outbox_dump(app.db)
    assert WORDS not in dump and queued not in dump and delivered not in dump


async def statement(person: Person, text: str) -> None:
    """Her own statement in the open neighbourhood conversation (after passing on what is left to vote on)."""
    await person.say("/deliberate")
    while not any(c.label == "Add my own statement" for r in person.last for c in r.choices):
        await person.say("pass")
    await person.say("Add my own statement")
    await person.say(text)
    assert "goes to a moderator first" in person.text(), person.text()


async def test_her_statement_and_her_comment_leave_the_moderation_room_and_the_outbox(
        app: App, manual_clock: ManualClock, matrix_recorder: Recorder, telegram_recorder: Recorder) -> None:
    """Her own words beyond stories: a statement in a neighbourhood conversation (posted in the moderation room
    for approval, or still queued) and a "did you feel heard?" comment (passed on to the moderation room)."""
    from tests.engine.test_deliberation_chat import opened

    marieke = await resident(app)
    reference = await share(app, marieke, name=None)
    await opened(app)
    await statement(marieke, f"Zet {WORDS} langs het hele plein")  # posted in the moderation room
    await app.dispatch(organiser(app, f"!feedback {reference} | not done | Nothing yet | the budget is spent"))
    await app.outbox.drain()
    no = next(c for c in telegram_recorder.sent[-1].choices if c.key.endswith(".no"))
    await marieke.send(Incoming(marieke.actor, marieke.address, choice=no.key, choice_turn=0))
    await marieke.say(f"Niemand kwam kijken, mijn buurman {NAME} ook niet.")
    await app.outbox.drain()
    await statement(marieke, "Meer groen rond de speeltuin graag")  # still queued for the moderation room
    room_texts = matrix_recorder.texts(MOD_ROOM)
    statement_post = next(i for i, r in enumerate(matrix_recorder.sent) if WORDS in r.text)
    comment_post = next(i for i, r in enumerate(matrix_recorder.sent) if "Niemand kwam kijken" in r.text)
    assert not any("groen rond" in t for t in room_texts)

    await marieke.say("/forget")
    await marieke.say("Erase me and my stories")
    assert "2 messages with your statements or comments are being removed" in marieke.text(), marieke.text()
    dump = await outbox_dump(app.db)
    for personal in (WORDS, "Niemand kwam kijken", NAME, "groen rond", CHAT):
        assert personal not in dump, personal
    await app.outbox.drain()
    deleted = {m for _, m in matrix_recorder.deleted}
    assert {f"$matrix-{statement_post + 1}", f"$matrix-{comment_post + 1}"} <= deleted
    assert not any("groen rond" in t for t in matrix_recorder.texts(MOD_ROOM))  # withdrawn before it went out
