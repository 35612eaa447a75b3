"""Feedback end to end with an injected clock: direct and digest delivery, quiet hours, language, the
commitment clock, stories without feedback, "did you feel heard?", /status and the guided form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.channels.base import Actor, Address, Incoming
from bot.clock import ManualClock
from bot.engine import feedback_clock
from tests.engine.test_moderation import MOD_ROOM, organiser, shared_story
from tests.support import Person, Recorder

# Wednesday 25 November 2026, 11:00 in Amsterdam.
WEDNESDAY_MORNING = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


async def record(app: App, line: str) -> str:
    replies = await app.dispatch(organiser(app, line))
    return replies[0].text


async def test_direct_feedback_reaches_the_author_with_you_said_we_did_because(
        app: App, manual_clock: ManualClock, telegram_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    answer = await record(app, f"!feedback {reference} | done | We repaired the lights | the contractor had time")
    assert "recorded; 1 resident will hear it" in answer
    await app.outbox.drain()
    message = telegram_recorder.sent[-1]
    assert message.address == Address("telegram", "anna")
    assert f"your story {reference}" in message.text
    assert "We did: We repaired the lights" in message.text and "Because: the contractor had time" in message.text
    assert "Did you feel heard?" in message.text
    assert [c.label for c in message.choices] == ["Yes", "Partly", "No"]


async def test_feedback_is_told_in_the_residents_own_language(app: App, manual_clock: ManualClock,
                                                              telegram_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    piet = Person(app, "anna", channel="telegram")
    await piet.say("/taal")
    await piet.say("Nederlands")
    await record(app, f"!feedback {reference} | in progress | We vragen een offerte | de straat is van ons")
    await app.outbox.drain()
    assert "Status: bezig" in telegram_recorder.sent[-1].text
    assert "Because" not in telegram_recorder.sent[-1].text


async def test_quiet_hours_hold_messages_until_morning(app: App, manual_clock: ManualClock,
                                                       telegram_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    await app.outbox.drain()
    manual_clock.set(datetime(2026, 11, 25, 21, 30, tzinfo=UTC))  # 22:30 in Amsterdam
    await record(app, f"!feedback {reference} | received | We read it | we want to act")
    before = len(telegram_recorder.sent)
    await app.outbox.drain()
    assert len(telegram_recorder.sent) == before
    manual_clock.set(datetime(2026, 11, 26, 6, 59, tzinfo=UTC))  # 07:59
    await app.outbox.drain()
    assert len(telegram_recorder.sent) == before
    manual_clock.set(datetime(2026, 11, 26, 7, 0, tzinfo=UTC))  # 08:00
    await app.outbox.drain()
    assert len(telegram_recorder.sent) == before + 1


async def test_weekly_digest_groups_by_theme_on_the_configured_day(app: App, manual_clock: ManualClock,
                                                                   telegram_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    anna = Person(app, "anna", channel="telegram")
    await anna.say("/settings")
    await anna.say("How often you hear from us")
    await anna.say("Once a week")
    assert "Feedback: Once a week" in anna.text()
    await record(app, f"!feedback {reference} | in progress | We asked the police | it is about safety")
    await record(app, "!feedback theme housing | done | Mould checks in all flats | many of you told us")
    await app.outbox.drain()
    sent_before = len(telegram_recorder.sent)
    assert await feedback_clock.send_digests(app.services) == 0  # Wednesday: not the digest day
    manual_clock.set(datetime(2026, 11, 27, 17, 0, tzinfo=UTC))  # Friday 18:00
    assert await feedback_clock.send_digests(app.services) == 1
    await app.outbox.drain()
    digest = telegram_recorder.sent[-1].text
    assert len(telegram_recorder.sent) == sent_before + 1
    assert "SAFETY AND CRIME" in digest and "We asked the police" in digest
    assert "HOUSING" not in digest  # anna neither wrote about housing nor follows the neighbourhood
    assert await feedback_clock.send_digests(app.services) == 0  # nothing twice


async def test_neighbourhood_followers_hear_theme_feedback(app: App, manual_clock: ManualClock,
                                                           telegram_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    ben = Person(app, "ben", channel="telegram")
    await ben.onboard("centrum")
    await ben.say("/settings")
    await ben.say("Follow the whole neighbourhood")
    await ben.say("yes")
    answer = await record(app, "!feedback theme housing | done | Mould checks in all flats | many of you told us")
    assert "1 resident will hear it" in answer
    await app.outbox.drain()
    assert "the theme Housing" in telegram_recorder.texts("ben")[-1]


async def test_overdue_commitments_are_posted_once(app: App, manual_clock: ManualClock,
                                                   matrix_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    answer = await record(app, f"!feedback {reference} | in progress | New lights | budget approved | over 3 dagen")
    feedback_ref = answer.split()[1]
    assert await feedback_clock.overdue_commitments(app.services) == 0
    manual_clock.advance(timedelta(days=4))
    assert await feedback_clock.overdue_commitments(app.services) == 1
    assert await feedback_clock.overdue_commitments(app.services) == 0
    await app.outbox.drain()
    assert any(t.startswith(f"Overdue: {feedback_ref}") for t in matrix_recorder.texts(MOD_ROOM))
    await record(app, f"!update {feedback_ref} | done | The lights are on | the contractor finished")
    manual_clock.advance(timedelta(days=4))
    assert await feedback_clock.overdue_commitments(app.services) == 0


async def test_stories_without_feedback_are_listed_after_28_days(app: App, manual_clock: ManualClock,
                                                                 matrix_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    assert "Well done" in await record(app, "!overdue")
    manual_clock.advance(timedelta(days=29))
    assert reference in await record(app, "!achterstand")
    assert await feedback_clock.weekly_overdue_reminder(app.services) == 1
    await record(app, f"!feedback {reference} | received | We read it | we plan a walk")
    assert "Well done" in await record(app, "!overdue")


async def test_did_you_feel_heard_no_goes_back_to_the_moderation_room(app: App, manual_clock: ManualClock,
                                                                      matrix_recorder: Recorder,
                                                                      telegram_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    await record(app, f"!feedback {reference} | not done | Nothing yet | the budget is spent")
    await app.outbox.drain()
    no = telegram_recorder.sent[-1].choices[2]
    anna = Person(app, "anna", channel="telegram")
    await anna.send(Incoming(Actor("telegram", "anna"), Address("telegram", "anna"), choice=no.key, choice_turn=0))
    assert "Do you want to add something?" in anna.text()
    await anna.say("Nobody came to look.")
    assert "We use your answer" in anna.text()
    await app.outbox.drain()
    post = matrix_recorder.texts(MOD_ROOM)[-1]
    assert "did not feel heard" in post and "Nobody came to look." in post
    assert "centrum · Safety and crime: 0 / 0 / 1" in await record(app, "!heard")  # the story's theme


async def test_typed_answer_to_did_you_feel_heard(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app, channel="matrix")
    await record(app, f"!feedback {reference} | done | Fixed | we had time")
    await app.outbox.drain()  # delivered: typed numbers now answer the question
    anna = Person(app, "anna", channel="matrix")
    await anna.say("1")
    assert "Do you want to add something?" in anna.text()
    await anna.say("Skip")
    assert "1 / 0 / 0" in await record(app, "!gehoord")


async def test_a_forged_heard_answer_is_refused(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    await record(app, f"!feedback {reference} | done | Fixed | we had time")
    eve = Person(app, "eve", channel="telegram")
    await eve.onboard("noord")
    await eve.send(Incoming(Actor("telegram", "eve"), Address("telegram", "eve"), choice="heard.1.no", choice_turn=0))
    assert "expired" in eve.text()
    assert "0 / 0 / 0" not in await record(app, "!heard") and "Nobody has answered" in await record(app, "!heard")


async def test_status_shows_each_story_with_its_feedback_history(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    answer = await record(app, f"!feedback {reference} | in progress | Asked the contractor | lights are ours")
    await record(app, f"!update {answer.split()[1]} | done | Lights repaired | the contractor came")
    anna = Person(app, "anna", channel="telegram")
    await anna.say("/status")
    text = anna.text()
    assert reference in text and "waiting for a decision" in text
    assert text.index("Asked the contractor") < text.index("Lights repaired")


async def test_feedback_needs_a_because_and_a_moderator(app: App) -> None:
    reference = await shared_story(app)
    assert "Use: !feedback" in await record(app, f"!feedback {reference} | done | Fixed")
    assert "Please say why" in await record(app, f"!feedback {reference} | done | Fixed | ")
    replies = await app.dispatch(organiser(app, f"!feedback {reference} | done | a | b", moderator=False,
                                           user="@x:y"))
    assert "only moderators" in replies[0].text


async def test_guided_feedback_form_in_the_room(app: App, manual_clock: ManualClock) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)

    async def plain(text: str) -> str:
        incoming = Incoming(Actor("matrix", "@org:localhost"), Address("matrix", MOD_ROOM, private=False),
                            text=text, moderator=True, addressed=False)
        return "\n".join(r.text for r in await app.dispatch(incoming))

    assert "What is this feedback about?" in await record(app, "!feedback")
    assert "What is the status?" in await plain(reference)
    assert "What was done" in await plain("3")  # done
    assert "Because" in await plain("We fixed the lights")
    assert "By when" in await plain("the contractor had time")
    assert "recorded; 1 resident will hear it" in await plain("none")
    assert await plain("chatter after the form") == ""  # ordinary room talk is not for the bot


async def test_feedback_on_a_poll_reaches_its_voters(app: App, manual_clock: ManualClock,
                                                     telegram_recorder: Recorder) -> None:
    from tests.engine.polls_support import MONDAY, join, tap

    manual_clock.set(MONDAY)
    anna = await join(app, "anna")
    await join(app, "bob")  # told about the poll, but did not vote
    await record(app, '!poll "Benches or trees?" | Benches | Trees | closes over 3 dagen')
    await app.outbox.drain()
    await anna.send(tap(anna, "vote.1.2"))
    answer = await record(app, "!feedback P-2026-0001 | in progress | We plant ten trees | most of you chose trees")
    assert "1 resident will hear it" in answer
    await app.outbox.drain()
    assert 'the poll "Benches or trees?"' in telegram_recorder.texts("anna")[-1]
    assert not any("We plant ten trees" in text for text in telegram_recorder.texts("bob"))
    assert "I cannot find P-2026-0009" in await record(app, "!feedback P-2026-0009 | done | x | y")


async def test_a_no_to_did_you_feel_heard_reopens_the_feedback_until_the_staff_answer_again(
        app: App, manual_clock: ManualClock, telegram_recorder: Recorder) -> None:
    manual_clock.set(WEDNESDAY_MORNING)
    reference = await shared_story(app)
    told = await record(app, f"!feedback {reference} | done | We repaired the lights | the contractor had time")
    feedback_ref = re.search(r"F-\d{4}-\d{4}", told)
    assert feedback_ref, told
    assert "Well done" in await record(app, "!overdue")
    await app.outbox.drain()
    manual_clock.advance(timedelta(days=2))
    no = telegram_recorder.sent[-1].choices[2]
    anna = Person(app, "anna", channel="telegram")
    await anna.send(Incoming(Actor("telegram", "anna"), Address("telegram", "anna"), choice=no.key, choice_turn=0))

    # Back to "in progress", with its own clock: !overdue shows it from the moment of the "no", counting days.
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT status FROM feedback WHERE reference = ?", (feedback_ref.group(0),)) == \
            "in_progress"
    listed = await record(app, "!overdue")
    assert feedback_ref.group(0) in listed and "did not feel heard" in listed and "waiting 0 days" in listed
    manual_clock.advance(timedelta(days=3))
    assert "waiting 3 days" in await record(app, "!achterstand")
    await anna.say("Er is niets veranderd.")  # the optional comment changes nothing about the clock
    assert "waiting 3 days" in await record(app, "!overdue")
    # The Monday list in the room carries it too.
    assert await feedback_clock.weekly_overdue_reminder(app.services) == 1
    # The author's /status shows it is being looked at again.
    await anna.say("/status")
    assert "did not feel heard" in anna.text()
    # The bot's note reads in her own language, not the moderation room's (staff's own words stay as written).
    await anna.say("/taal")
    await anna.say("Nederlands")
    await anna.say("/mijnverhalen")
    assert "Een bewoner voelde zich niet gehoord. Daarom kijken we er opnieuw naar." in anna.text()
    assert "did not feel heard" not in anna.text() and "the contractor had time" in anna.text()

    # Until the staff answer it again: then it leaves the list, and a "yes" keeps it closed.
    await record(app, f"!update {feedback_ref.group(0)} | done | We repaired them again | a cable was loose")
    assert "Well done" in await record(app, "!overdue")
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT status FROM feedback WHERE reference = ?", (feedback_ref.group(0),)) == "done"
