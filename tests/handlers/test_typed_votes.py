"""Typing several options at once ("1 3", "Benches, Light") under a poll, where the options are numbered
(console, Matrix direct chats) or simply faster to type than to tap."""

from __future__ import annotations

from bot.app import App
from bot.dialogue import match_several
from tests.engine.polls_support import join, room, rows

OPTIONS = [("o1", "Benches"), ("o2", "Trees"), ("o3", "Light"), ("o4", "Parking")]


def test_several_options_are_read_by_number_or_label() -> None:
    assert match_several("1 3", OPTIONS) == ["o1", "o3"]
    assert match_several(" 3, 1 ", OPTIONS) == ["o3", "o1"]
    assert match_several("Benches, light", OPTIONS) == ["o1", "o3"]
    assert match_several("1 & parking", OPTIONS) == ["o1", "o4"]
    assert match_several("2 2", OPTIONS) == ["o2"]  # the same option twice is that option
    assert match_several("1 9", OPTIONS) is None  # every part must be an option
    assert match_several("3", OPTIONS) is None  # one option is match_choice's
    assert match_several("more benches please", OPTIONS) is None


async def votes(app: App) -> list[int]:
    return [row["option"] for row in await rows(app, "SELECT option FROM poll_votes ORDER BY option")]


async def test_typed_options_become_the_vote_of_a_multiple_choice_poll(app: App) -> None:
    anna = await join(app, "anna")
    await room(app, '!poll "What do we want on the square?" | Benches | Trees | Light | Parking | closes over 3 dagen'
                    ' | multiple')
    await anna.say("/polls")
    await anna.say("1 3")
    assert "Your choices: Benches, Light." in anna.text() and await votes(app) == [1, 3]
    assert [c.label for c in anna.last[0].choices] == ["✓ Benches", "Trees", "✓ Light", "Parking"]
    await anna.say("Trees, Parking")  # exactly what was typed, not added to the earlier choice
    assert "Your choices: Trees, Parking." in anna.text() and await votes(app) == [2, 4]


async def test_a_single_choice_poll_refuses_two_and_keeps_the_vote(app: App) -> None:
    anna = await join(app, "anna")
    await room(app, '!poll "Where should the bench go?" | Square | Park | closes over 3 dagen')
    await anna.say("/polls")
    await anna.say("2")
    await anna.say("1 2")
    assert "This poll allows only one option. Your vote did not change." in anna.text()
    assert await votes(app) == [2]


async def test_options_that_do_not_exist_are_not_a_vote(app: App) -> None:
    anna = await join(app, "anna")
    await room(app, '!poll "What do we want?" | Benches | Trees | closes over 3 dagen | multiple')
    await anna.say("/polls")
    await anna.say("1 7")
    assert "I did not understand that." in anna.text() and await votes(app) == []
