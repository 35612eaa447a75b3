"""Destinations in the configuration, as channel-neutral addresses: the config layer knows that ``"!room:server"``
and ``"#alias:server"`` are Matrix rooms, ``"@anna:server"`` a Matrix account and ``"telegram:123"`` (or a bare
Telegram chat id in ``telegram_chat``) a Telegram chat. The engine only ever sees ``Address``es."""

from __future__ import annotations

from bot.channels.base import Address

ROOMS = "matrix"  # the channel of organisers' rooms (moderation rooms, public rooms, the rooms polls are made in)
GROUPS = "telegram"  # the channel of the neighbourhood's group for approved stories
_PREFIXED = ("telegram", "matrix", "whatsapp", "console")


def parse(text: str, *, private: bool = False) -> Address:
    """``telegram:123`` -> that chat on Telegram; anything else (``!room:server``, ``#alias:server``,
    ``@user:server``) is Matrix."""
    channel, sep, rest = text.partition(":")
    if sep and channel in _PREFIXED and rest and not text.startswith(("!", "#", "@")):
        return Address(channel, rest, private=private)
    return Address(ROOMS, text, private=private)


def room(room_id: str) -> Address:
    """An organisers' room (its id as stored with a poll, a report, a reminder)."""
    return parse(room_id)


def group(chat_id: str) -> Address:
    """The neighbourhood's group or channel for approved stories (``telegram_chat`` in the configuration)."""
    return Address(GROUPS, chat_id, private=False) if ":" not in chat_id else parse(chat_id)


def contact(matrix_user: str | None, telegram_chat: str | None) -> Address | None:
    """Where the bot writes to a contact person: their Matrix account (a direct chat the adapter opens), else
    their private Telegram chat. None: the card is shown, but nothing can be relayed."""
    if matrix_user:
        return Address(ROOMS, matrix_user, private=True)
    if telegram_chat:
        return Address(GROUPS, telegram_chat, private=True)
    return None
