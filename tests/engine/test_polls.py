"""Polls with an injected clock: organisers create and manage them; opted-in residents hear of them on Telegram and
Matrix; one vote each, changeable, merged across channels; refusals; quiet hours; /mydata and /forget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.channels.base import AttachmentKind
from bot.clock import ManualClock
from bot.i18n import Translator
from tests.engine.polls_support import (
    MOD_ROOM,
    MONDAY,
    PUBLIC_ROOM,
    TELEGRAM_GROUP,
    join,
    matrix_vote,
    message_id,
    poll_of,
    room,
    room_text,
    rows,
    sent_to,
    tap,
)
from tests.support import Person, Recorder

NL = Translator("nl")

FORM = '!poll "What should come on the square?" | More light | Benches | A playground | closes over 3 dagen'


async def test_the_one_line_form_announces_to_opted_in_residents_on_both_channels(
        app: App, manual_clock: ManualClock, telegram_recorder: Recorder, matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    await join(app, "anna")
    await join(app, "bob", channel="matrix")
    await join(app, "cem", opt_in=False)  # did not opt in
    await join(app, "dina", hood="noord")  # another neighbourhood
    answer = await room(app, FORM)
    assert "Poll P-2026-0001 is open until Thursday, 5 March 2026 at 11:00" in answer
    assert "2 residents will hear of it" in answer
    await app.outbox.drain()

    [anna] = sent_to(telegram_recorder, "anna")
    assert "New poll for Centrum: What should come on the square?" in anna.text
    assert [(c.key, c.label) for c in anna.choices] == [("vote.1.1", "More light"), ("vote.1.2", "Benches"),
                                                         ("vote.1.3", "A playground")]
    [bob] = sent_to(matrix_recorder, "bob")
    assert bob.poll is not None and bob.poll.question == "What should come on the square?"
    assert [(c.key, c.label) for c in bob.poll.options] == [("1", "More light"), ("2", "Benches"),
                                                             ("3", "A playground")]
    assert bob.poll.max_selections == 1 and not bob.poll.disclosed
    assert sent_to(telegram_recorder, "cem") == [] and sent_to(telegram_recorder, "dina") == []

    [public] = sent_to(matrix_recorder, PUBLIC_ROOM)  # a native poll in the public room, in Dutch
    assert public.poll is not None and "What should come on the square?" in public.text
    [group] = sent_to(telegram_recorder, TELEGRAM_GROUP)  # Telegram groups get text pointing to the private chat
    assert group.poll is None and group.choices == () and "1. More light" in group.text and "/polls" in group.text
    shown = await rows(app, "SELECT channel, chat_id, private FROM poll_messages ORDER BY rowid")
    assert {(r["channel"], r["chat_id"], r["private"]) for r in shown} == {
        ("telegram", "anna", 1), ("matrix", "bob", 1), ("matrix", PUBLIC_ROOM, 0), ("telegram", TELEGRAM_GROUP, 0)}


async def test_votes_from_telegram_and_matrix_merge_and_can_change(
        app: App, manual_clock: ManualClock, telegram_recorder: Recorder, matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    anna = await join(app, "anna")
    bob = await join(app, "bob", channel="matrix")
    await room(app, FORM)
    await app.outbox.drain()
    bobs_poll = message_id(matrix_recorder, sent_to(matrix_recorder, "bob")[0])
    public_poll = message_id(matrix_recorder, sent_to(matrix_recorder, PUBLIC_ROOM)[0])

    receipt = await anna.send(tap(anna, "vote.1.2"))
    assert "Thank you! Your vote: Benches. You can change it until" in receipt[0].text
    assert [c.label for c in receipt[0].choices] == ["More light", "✓ Benches", "A playground"]  # to change it
    await anna.send(tap(anna, "vote.1.2"))  # the same again: still one vote
    await anna.say("1")  # a typed answer counts too, and changes the vote
    assert "Your vote: More light" in anna.text()

    answer = await bob.send(matrix_vote("bob", bobs_poll, "3", event_id="$r1"))
    assert "Your vote: A playground" in answer[0].text and answer[0].choices == ()  # the poll event shows them
    assert await bob.send(matrix_vote("bob", bobs_poll, "3", event_id="$r1")) == []  # redelivered: ignored
    assert await bob.send(matrix_vote("bob", public_poll, "1", chat=PUBLIC_ROOM, event_id="$r2")) == []  # silent
    votes = await rows(app, "SELECT resident_id, option FROM poll_votes ORDER BY resident_id")
    assert [v["option"] for v in votes] == [1, 1]  # one vote per resident: bob's latest counts

    count = await room(app, "!count P-2026-0001")
    assert "2 people voted so far." in count
    assert "More light: 2 votes (100%) ▇▇▇▇▇▇▇▇▇▇" in count and "Benches: 0 votes (0%)" in count
    assert len(telegram_recorder.sent) + len(matrix_recorder.sent) == 4  # residents saw nothing of the count


async def test_refused_votes_get_a_clear_answer_and_change_nothing(
        app: App, manual_clock: ManualClock, telegram_recorder: Recorder, matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    anna = await join(app, "anna")
    dina = await join(app, "dina", hood="noord")
    bob = await join(app, "bob", channel="matrix")
    stranger = Person(app, "@stranger:localhost", channel="matrix")
    await room(app, FORM)
    await app.outbox.drain()
    public_poll = message_id(matrix_recorder, sent_to(matrix_recorder, PUBLIC_ROOM)[0])

    assert "not an option of this poll" in (await anna.send(tap(anna, "vote.1.9")))[0].text  # forged option
    assert "I do not know this poll" in (await anna.send(tap(anna, "vote.77.1")))[0].text  # forged poll
    refused = await anna.send(tap(anna, "vote.1.x"))
    assert refused[0].refused and "expired" in refused[0].text  # malformed data
    forged = await stranger.send(matrix_vote("@stranger:localhost", "$not-a-poll", "1"))
    assert forged[0].text == NL._("I do not know this poll. Type /polls to see the open polls.")  # a newcomer: Dutch
    too_many = await bob.send(matrix_vote("bob", public_poll, "1", "2", chat=PUBLIC_ROOM))
    assert "only one option" in too_many[0].text
    assert "not an option" in (await bob.send(matrix_vote("bob", public_poll, "?", chat=PUBLIC_ROOM)))[0].text
    outsider = await stranger.send(matrix_vote("@stranger:localhost", public_poll, "1", chat=PUBLIC_ROOM))
    assert "Only residents who joined can vote" in outsider[0].text and outsider[0].address is not None
    assert outsider[0].address.chat_id == PUBLIC_ROOM  # answered where the vote was cast
    assert "for residents of Centrum. Your vote does not count." in (await dina.send(tap(dina, "vote.1.1")))[0].text
    assert await rows(app, "SELECT * FROM poll_votes") == []

    await anna.send(tap(anna, "vote.1.1"))
    manual_clock.set(MONDAY + timedelta(days=3, minutes=1))  # closed by time, before the job ran
    late = await anna.send(tap(anna, "vote.1.2"))
    assert "This poll has closed. Votes are no longer counted." in late[0].text
    await app.scheduler.run(next(iter(app.scheduler.planned())))
    assert (await poll_of(app))["status"] == "closed"
    assert "has closed" in (await anna.send(tap(anna, "vote.1.3")))[0].text
    assert [v["option"] for v in await rows(app, "SELECT option FROM poll_votes")] == [1]


async def test_multiple_choice_buttons_toggle_up_to_the_maximum(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(MONDAY)
    anna = await join(app, "anna")
    answer = await room(app, "!peiling Which days? | Monday | Tuesday | Wednesday | meerkeuze 2 | sluit vrijdag 18:00")
    assert "P-2026-0001" in answer
    assert (await poll_of(app))["max_selections"] == 2
    await anna.send(tap(anna, "vote.1.1"))
    receipt = await anna.send(tap(anna, "vote.1.3"))
    assert "Your choices: Monday, Wednesday" in receipt[0].text
    assert [c.label for c in receipt[0].choices] == ["✓ Monday", "Tuesday", "✓ Wednesday"]
    assert "at most 2 options" in (await anna.send(tap(anna, "vote.1.2")))[0].text
    receipt = await anna.send(tap(anna, "vote.1.1"))  # tapping a chosen option removes it
    assert "Your choices: Wednesday" in receipt[0].text
    assert [v["option"] for v in await rows(app, "SELECT option FROM poll_votes")] == [3]


async def test_the_guided_form_asks_step_by_step(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(MONDAY)
    await join(app, "anna")
    assert "What is the question" in await room(app, "!poll")
    assert "Which options" in await room_text(app, "Shall we close the street for a party?")
    assert "2 to 10 options" in await room_text(app, "Yes")
    assert "Who may vote?" in await room_text(app, "Yes\nNo\nOnly on Sundays")
    assert "How many options" in await room_text(app, "1")  # Everyone
    assert "When does it open?" in await room_text(app, "One option")
    assert "When does it close?" in await room_text(app, "Now")
    summary = await room_text(app, "in 3 days")
    assert "The poll: Shall we close the street for a party?" in summary and "3. Only on Sundays" in summary
    assert "For: everyone" in summary and "Closes: Thursday, 5 March 2026 at 11:00" in summary
    assert "P-2026-0001 is open until" in await room_text(app, "Make the poll")
    poll = await poll_of(app)
    assert (poll["question"], poll["max_selections"], poll["youth_min"]) == (
        "Shall we close the street for a party?", 1, None)
    assert await room_text(app, "chatter after the form") == ""  # the form is over


async def test_list_extend_close_and_cancel(app: App, manual_clock: ManualClock, telegram_recorder: Recorder,
                                            matrix_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    anna = await join(app, "anna")
    await room(app, FORM)
    await room(app, "!poll Second question? | Yes | No | closes in 2 days | opens morgen 9:00")
    listing = await room(app, "!polls")
    assert "P-2026-0001 · open · What should come on the square?" in listing
    assert "P-2026-0002 · not open yet" in listing and "0 voters" in listing

    assert "now closes Friday, 6 March 2026 at 18:00" in await room(app, "!verleng P-2026-0001 vrijdag 18:00")
    assert (await poll_of(app))["closes_at"] == "2026-03-06T17:00:00+00:00"
    assert "2026-03-06T17:00:00+00:00" in "".join(app.scheduler.planned())
    assert "already passed" in await room(app, "!extend P-2026-0001 2026-01-01 12:00")

    await anna.send(tap(anna, "vote.1.3"))
    await app.outbox.drain()
    assert "is closed; the results go to 1 resident" in await room(app, "!close-poll P-2026-0001")
    await app.outbox.drain()
    [result] = [r for r in sent_to(telegram_recorder, "anna") if "Results" in r.text]
    assert "A playground: 1 vote (100%) ▇▇▇▇▇▇▇▇▇▇" in result.text
    assert result.attachment is not None and result.attachment.kind is AttachmentKind.PHOTO
    assert result.attachment.data is not None and result.attachment.data.startswith(b"\x89PNG")
    assert "Bar chart" in (result.attachment.alt_text or "")
    assert result.closes_poll == message_id(telegram_recorder, sent_to(telegram_recorder, "anna")[0])
    moderation = [r for r in sent_to(matrix_recorder, MOD_ROOM) if "Results" in r.text]
    assert len(moderation) == 1 and moderation[0].attachment is not None
    results_nl = NL._("Results of the poll {reference}: {question}", reference="P-2026-0001", question="")
    [public] = [r for r in sent_to(matrix_recorder, PUBLIC_ROOM) if r.text.startswith(results_nl)]  # public: Dutch
    assert public.closes_poll == message_id(matrix_recorder, sent_to(matrix_recorder, PUBLIC_ROOM)[0])
    assert "already ended" in await room(app, "!sluit-peiling P-2026-0001")

    assert "cancelled. Its votes are deleted." in await room(app, "!annuleer-peiling P-2026-0002")
    assert (await poll_of(app, "P-2026-0002"))["status"] == "cancelled"
    assert "cannot find P-2026-0099" in await room(app, "!count P-2026-0099")
    assert "only moderators" in await room(app, "!polls", moderator=False)


async def test_quiet_hours_hold_announcements_and_skip_those_after_closing(
        app: App, manual_clock: ManualClock, telegram_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    await join(app, "anna")
    manual_clock.set(datetime(2026, 3, 2, 21, 30, tzinfo=UTC))  # 22:30 in Amsterdam: anna's quiet hours
    await room(app, "!poll Long one? | Yes | No | closes over 3 dagen")
    await room(app, "!poll Short one? | Yes | No | closes in 30 minutes")  # closes before her quiet hours end
    await app.outbox.drain()
    assert sent_to(telegram_recorder, "anna") == []
    manual_clock.set(datetime(2026, 3, 3, 6, 59, tzinfo=UTC))
    await app.outbox.drain()
    assert sent_to(telegram_recorder, "anna") == []
    manual_clock.set(datetime(2026, 3, 3, 7, 0, tzinfo=UTC))  # 08:00
    await app.outbox.drain()
    assert [r.text.split("\n")[0] for r in sent_to(telegram_recorder, "anna")] == ["New poll for Centrum: Long one?"]


async def test_mydata_shows_votes_and_forget_erases_them(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(MONDAY)
    anna = await join(app, "anna")
    await room(app, FORM)
    await app.outbox.drain()
    await anna.send(tap(anna, "vote.1.2"))
    await anna.say("/mydata")
    assert "You voted in 1 poll." in anna.text()
    assert "• P-2026-0001 (What should come on the square?): Benches" in anna.text()
    export = anna.last[-1].attachment
    assert export is not None and export.data is not None and b'"option": "Benches"' in export.data
    assert b'"hear_about_new_polls": true' in export.data
    await anna.say("/forget")
    await anna.say("Erase me and my stories")
    assert await rows(app, "SELECT * FROM poll_votes") == []
    assert await rows(app, "SELECT * FROM poll_messages WHERE private = 1") == []


async def test_polls_command_shows_open_polls_and_cancelling_tells_voters(
        app: App, manual_clock: ManualClock, telegram_recorder: Recorder) -> None:
    manual_clock.set(MONDAY)
    anna = await join(app, "anna", opt_in=False)  # hears of no poll, but can look them up
    await anna.say("/polls")
    assert "There is no open poll for you right now." in anna.text() and "/settings" in anna.text()
    await room(app, FORM)
    await anna.say("/peilingen")
    assert "New poll for Centrum: What should come on the square?" in anna.text()
    assert [c.label for c in anna.last[0].choices] == ["More light", "Benches", "A playground"]
    await anna.say("2")  # typed answers count after /polls too
    assert "Your vote: Benches" in anna.text()
    await anna.say("/polls")
    assert [c.label for c in anna.last[0].choices] == ["More light", "✓ Benches", "A playground"]
    await app.outbox.drain()
    assert sent_to(telegram_recorder, "anna") == []

    await room(app, "!cancel-poll P-2026-0001")
    assert await rows(app, "SELECT * FROM poll_votes") == []
    await app.outbox.drain()
    [cancelled] = sent_to(telegram_recorder, "anna")  # she voted, so she hears it was cancelled
    assert "was cancelled. Votes are not counted." in cancelled.text
