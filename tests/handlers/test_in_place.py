"""Which answers to a pressed button may take the pressed question's place (Reply.in_place), and which questions
stay in the chat as a record. Telegram edits such an answer into the pressed message (tests/channels)."""

from __future__ import annotations

from bot.app import App
from bot.channels.base import Reply
from bot.dialogue import merge
from tests.engine.polls_support import join, room, tap
from tests.support import Person


def in_place(replies: list[Reply]) -> list[bool]:
    return [reply.in_place for reply in replies]


async def test_the_next_question_of_a_flow_may_replace_the_pressed_one(app: App) -> None:
    anna = Person(app, "anna")  # no app language: asked first
    await anna.say("/start")
    neighbourhood = await anna.press("en")
    assert in_place(neighbourhood) == [True] and "In which neighbourhood" in neighbourhood[0].text
    consent = await anna.press("centrum")
    assert in_place(consent) == [True] and "Do you agree?" in consent[0].text


async def test_a_question_kept_as_a_record_is_never_replaced(app: App) -> None:
    anna = Person(app, "anna", language_hint="en")
    await anna.say("/start")  # her app's language: straight to the neighbourhood
    await anna.press("centrum")
    welcome = await anna.press("yes")  # what she agreed to stays readable
    assert "Thank you, welcome!" in welcome[0].text and not any(in_place(welcome))
    await anna.say("/share")
    await anna.press("housing")
    await anna.say("The lift in our flat has been broken for a month and my neighbour cannot go out.")
    await anna.say("Skip")
    await anna.press("skip")
    summary = await anna.press("anonymous")
    assert "This is what you are sending:" in summary[0].text and in_place(summary) == [True]
    sent = await anna.press("send")  # what she sent stays readable above the receipt
    assert "Your reference is" in sent[0].text and not any(in_place(sent))


async def test_typed_answers_and_refusals_are_never_in_place(app: App) -> None:
    anna = Person(app, "anna")
    await anna.say("/start")
    typed = await anna.say("English")  # typed: there is no pressed message to replace
    assert "In which neighbourhood" in typed[0].text and not any(in_place(typed))
    stale = await anna.press("no-such-key")
    assert "This button has expired" in stale[0].text and not any(in_place(stale))


async def test_a_poll_vote_becomes_the_receipt_with_the_question(app: App) -> None:
    anna = await join(app, "anna")
    assert "1 resident will hear of it" in await room(app, '!poll "What should come on the square?" | Benches | '
                                                           'Trees | closes over 3 dagen')
    receipt = await anna.send(tap(anna, "vote.1.2"))
    assert in_place(receipt) == [True]
    assert receipt[0].text.startswith("What should come on the square?\n\nThank you! Your vote: Trees.")
    assert [choice.label for choice in receipt[0].choices] == ["Benches", "✓ Trees"]


def test_merging_keeps_the_mark() -> None:
    thanks = Reply(text="Thank you.", in_place=True)
    question = Reply(text="Where is this?")
    assert merge([thanks, question]) == [Reply(text="Thank you.\n\nWhere is this?", in_place=True)]
