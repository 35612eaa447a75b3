"""What an empty chat with the bot shows before /start: the descriptions per language, against the emulator."""

from __future__ import annotations

from pathlib import Path

from bot.channels.telegram.profile import DESCRIPTION, SHORT_DESCRIPTION, profile_texts
from bot.i18n import Translator
from tests.channels.conftest import Running, start_bot, telegram_section
from tests.peers.botapi import BotApiEmulator
from tests.support import make_config


async def test_descriptions_are_published_in_every_offered_language(bot: Running) -> None:
    emu, town = bot.emu, bot.config.municipality
    texts = {}
    for language in bot.config.languages:
        t = Translator(language)
        description = emu.descriptions[("description", language)]
        assert description == t._(DESCRIPTION, municipality=town)
        assert emu.descriptions[("short_description", language)] == t._(SHORT_DESCRIPTION, municipality=town)
        assert town in description and "/privacy" in description
        texts[language] = description
    assert len(set(texts.values())) == len(texts)  # really translated, not English five times
    # Everyone whose app language is not offered sees the default language, Dutch.
    assert emu.visible_description(emu.user(2001, language_code="de")) == texts["nl"]
    assert emu.visible_description(emu.user(2002, language_code="tr")) == texts["tr"]
    assert len(emu.descriptions[("short_description", "")]) <= 120


async def test_a_restart_reads_the_descriptions_and_writes_nothing(tmp_path: Path, emu: BotApiEmulator,
                                                                   engine: str) -> None:
    config = make_config(tmp_path, telegram=telegram_section(emu))
    for _ in range(2):
        running = await start_bot(emu, config)
        await running.app.stop()
    assert len(emu.calls_to("setMyDescription")) == len(config.languages) + 1  # only the first start wrote
    assert len(emu.calls_to("getMyDescription")) == 2 * (len(config.languages) + 1)


def test_a_long_municipality_name_still_fits_telegrams_limits(tmp_path: Path, engine: str) -> None:
    config = make_config(tmp_path, municipality={"name": "Gemeente " + "Zuid" * 40, "timezone": "Europe/Amsterdam"})
    for language in config.languages:
        description, short = profile_texts(config, language)
        assert len(description) <= 512 and len(short) <= 120 and short.endswith("…")


async def test_privacy_before_start_in_the_apps_language_and_listed_in_the_menu(bot: Running) -> None:
    emu = bot.emu
    tim = emu.user(2010, "Tim", language_code="tr")
    assert "privacy" in [entry["command"] for entry in emu.visible_commands(tim)]
    await tim.send("/privacy")
    statement = (await bot.reply(tim)).text or ""
    turkish = Translator("tr")
    assert statement.startswith(turkish._("How we handle your data")) and "https://teststad.nl/privacy" in statement
    assert await bot.count("residents") == 0 and await bot.count("conversations") == 0
