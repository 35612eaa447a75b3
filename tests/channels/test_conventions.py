"""The engine spells commands and takes posts back by channel conventions; the adapters agree with them."""

from __future__ import annotations

from bot.channels import conventions
from bot.channels.console import ConsoleChannel
from bot.channels.matrix.channel import MatrixChannel
from bot.channels.telegram.channel import TelegramChannel
from bot.channels.whatsapp.channel import WhatsAppChannel


def test_each_channel_spells_commands_as_the_conventions_say() -> None:
    for channel in (ConsoleChannel, MatrixChannel, TelegramChannel, WhatsAppChannel):
        assert conventions.command_prefix(channel.name) == channel.command_prefix, channel.name
    assert conventions.command("matrix", "reply") == "!reply"
    assert conventions.command("telegram", "reply") == "/reply"


def test_only_a_channel_with_a_delete_window_edits_instead() -> None:
    assert conventions.delete_window("matrix") is None
    window = conventions.delete_window("telegram")
    assert window is not None and window.total_seconds() == 48 * 3600
