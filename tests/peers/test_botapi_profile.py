"""The emulator's profile texts (descriptions), driven by the unmodified python-telegram-bot client over HTTP."""

from __future__ import annotations

import pytest
import telegram
from telegram.error import BadRequest

from tests.peers.botapi import BotApiEmulator


@pytest.mark.asyncio
async def test_descriptions_per_language_with_the_fallback_people_see(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    assert (await bot.get_my_description()).description == ""  # nothing set yet
    assert await bot.set_my_description("Hallo! Ik ben de wijkbot.")
    assert await bot.set_my_description("Hello! I am the neighbourhood bot.", language_code="en")
    assert await bot.set_my_short_description("Wijkbot van Teststad", language_code="nl")
    assert (await bot.get_my_description(language_code="en")).description == "Hello! I am the neighbourhood bot."
    assert (await bot.get_my_description()).description == "Hallo! Ik ben de wijkbot."
    assert (await bot.get_my_description(language_code="tr")).description == ""  # exactly what was set for tr
    assert (await bot.get_my_short_description(language_code="nl")).short_description == "Wijkbot van Teststad"
    # What people see in an empty chat: their app language's text, else the one without a language.
    assert emu.visible_description(emu.user(1, language_code="en-GB")) == "Hello! I am the neighbourhood bot."
    assert emu.visible_description(emu.user(2, language_code="tr")) == "Hallo! Ik ben de wijkbot."
    assert emu.visible_description(emu.user(3, language_code="nl"), "short_description") == "Wijkbot van Teststad"
    # An empty text removes the language's own description.
    assert await bot.set_my_description("", language_code="en")
    assert (await bot.get_my_description(language_code="en")).description == ""
    assert emu.visible_description(emu.user(1)) == "Hallo! Ik ben de wijkbot."


@pytest.mark.asyncio
async def test_the_bot_api_length_limits(emu: BotApiEmulator, bot: telegram.Bot) -> None:
    assert await bot.set_my_description("d" * 512)
    assert await bot.set_my_short_description("s" * 120)
    with pytest.raises(BadRequest, match=r"(?i)description is too long"):
        await bot.set_my_description("d" * 513)
    with pytest.raises(BadRequest, match=r"(?i)short description is too long"):
        await bot.set_my_short_description("s" * 121, language_code="nl")
    with pytest.raises(BadRequest, match=r"(?i)invalid language code"):
        await bot.set_my_description("x", language_code="dutch")
    assert emu.descriptions == {("description", ""): "d" * 512, ("short_description", ""): "s" * 120}
