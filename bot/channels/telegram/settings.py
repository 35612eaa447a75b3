"""Settings and pure helpers of the Telegram channel (no ``telegram`` import): limits, pacing, texts, URLs."""

from __future__ import annotations

from bot.i18n import N_

TEXT_LIMIT = 4096  # characters in a message (UTF-16 units)
CAPTION_LIMIT = 1024
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
EXPIRED = N_("This button has expired. Please use the newest message.")  # also what the dialogue's StaleChoice says
GROUP_TEXT = N_("I talk with residents one to one, in a private chat, not in this group. Staff of the "
                "municipality and the neighbourhood, including the neighbourhood's contact person, read the "
                "stories you share with me. Tap the button to open a private chat with me.")
GROUP_BUTTON = N_("Open a private chat")
GROUP_INVITE_COOLDOWN = 30.0  # seconds: one invitation per group at a time (groups allow 20 messages a minute)
RATE_LIMIT = 30.0  # messages per second for the whole bot (Telegram's limit for free bots): telegram.rate_limit
CHAT_RATE_LIMIT = 1.0  # messages per second into one private chat: telegram.chat_rate_limit
GROUP_RATE_LIMIT = 20.0  # messages per minute into one group: telegram.group_rate_limit
PAID_BROADCAST_RATE = 1000.0  # messages per second with allow_paid_broadcast (telegram.allow_paid_broadcast)
PACING = 0.975  # most of the rate limit the bot uses in any second (see rate_limiter)
BURST = 0.01  # of a second's worth of messages, sent at once after a pause
CONCURRENT_UPDATES = 64  # updates of different chats handled at once (see ChatOrderedUpdates)
POLL_INTERVAL = 0.05  # seconds between getUpdates calls: busy bots fetch updates in batches, not one by one
GROUP_START = "_group"  # deep-link parameter from a group that is no neighbourhood's group; never a neighbourhood id


class TelegramUnavailable(Exception):
    """The Bot API could not be reached or refused the token (the message says which; no secrets in it)."""


def api_urls(api_base_url: str | None) -> tuple[str, str]:
    """(base_url, base_file_url) for PTB from a self-hosted server's ``.../bot`` URL (or Telegram's)."""
    root = (api_base_url or "https://api.telegram.org/bot").rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"
