"""The ``[telegram]`` and ``[matrix]`` sections (read by ``bot/config.py``; the adapters are
``bot/channels/telegram/`` and ``bot/channels/matrix/``). Every problem names its key.

Secrets (``telegram.token``, ``telegram.webhook_secret``, ``matrix.password``, ``matrix.access_token``) are meant to
come from the environment (``"env:NAME"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import _Reader


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_base_url: str | None = None  # a self-hosted Bot API server (tests use the emulator)
    mode: str = "polling"  # or "webhook"
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_url: str | None = None
    webhook_secret: str | None = None
    bot_username: str | None = None  # for deep links and QR codes; asked from getMe when absent
    rate_limit: float = 30.0  # messages per second for the whole bot (0: no overall limit, a local Bot API server)
    chat_rate_limit: float = 1.0  # messages per second into one private chat
    group_rate_limit: float = 20.0  # messages per minute into one group
    allow_paid_broadcast: bool = False  # bulk messages up to 1,000 a second, paid in Telegram Stars


@dataclass(frozen=True)
class MatrixConfig:
    homeserver: str
    user_id: str
    password: str | None = None
    access_token: str | None = None
    device_name: str = "wijkbot"
    store_dir: Path = Path("data/matrix")
    allowed_inviters: tuple[str, ...] = ()  # "@user:server" or ":server"
    organisers: tuple[str, ...] = ()  # Matrix user ids that may moderate in every room


def parse_telegram(r: _Reader, data: dict[str, Any]) -> TelegramConfig | None:
    if not data:
        return None
    r.unknown(data, {"token", "api_base_url", "mode", "webhook_listen", "webhook_port", "webhook_url",
                     "webhook_secret", "bot_username", "rate_limit", "chat_rate_limit", "group_rate_limit",
                     "allow_paid_broadcast"}, "telegram")
    token = r.string(data, "token", "telegram.token") or ""
    if token and not re.fullmatch(r"\d+:[A-Za-z0-9_-]{10,}", token):
        r.problem("telegram.token", "does not look like a bot token from @BotFather (digits:letters)")
    mode = r.string(data, "mode", "telegram.mode", default="polling") or "polling"
    if mode not in ("polling", "webhook"):
        r.problem("telegram.mode", "must be 'polling' or 'webhook'")
    url = r.string(data, "webhook_url", "telegram.webhook_url", required=mode == "webhook")
    secret = r.string(data, "webhook_secret", "telegram.webhook_secret", required=mode == "webhook")
    if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        r.problem("telegram.webhook_secret", "use 1-256 letters, digits, '_' or '-'")
    return TelegramConfig(
        token=token,
        api_base_url=r.string(data, "api_base_url", "telegram.api_base_url", required=False),
        mode=mode,
        webhook_listen=r.string(data, "webhook_listen", "telegram.webhook_listen", "127.0.0.1") or "127.0.0.1",
        webhook_port=r.integer(data, "webhook_port", "telegram.webhook_port", 8443, 1, 65535),
        webhook_url=url,
        webhook_secret=secret,
        bot_username=r.string(data, "bot_username", "telegram.bot_username", required=False),
        rate_limit=r.number(data, "rate_limit", "telegram.rate_limit", 30.0, 0, 1000),
        chat_rate_limit=r.number(data, "chat_rate_limit", "telegram.chat_rate_limit", 1.0, 0.01, 30),
        group_rate_limit=r.number(data, "group_rate_limit", "telegram.group_rate_limit", 20.0, 1, 600),
        allow_paid_broadcast=r.flag(data, "allow_paid_broadcast", "telegram.allow_paid_broadcast"),
    )


def parse_matrix(r: _Reader, data: dict[str, Any], base: Path) -> MatrixConfig | None:
    if not data:
        return None
    r.unknown(data, {"homeserver", "user_id", "password", "access_token", "device_name", "store_dir",
                     "allowed_inviters", "organisers"}, "matrix")
    password = r.string(data, "password", "matrix.password", required=False)
    token = r.string(data, "access_token", "matrix.access_token", required=False)
    if not password and not token:
        r.problem("matrix", "give matrix.password or matrix.access_token (or env:NAME for either)")
    user_id = r.string(data, "user_id", "matrix.user_id") or ""
    if user_id and not re.fullmatch(r"@[^:\s]+:\S+", user_id):
        r.problem("matrix.user_id", "must look like @wijkbot:example.org")
    return MatrixConfig(
        homeserver=r.string(data, "homeserver", "matrix.homeserver") or "",
        user_id=user_id,
        password=password,
        access_token=token,
        device_name=r.string(data, "device_name", "matrix.device_name", "wijkbot") or "wijkbot",
        store_dir=base / (r.string(data, "store_dir", "matrix.store_dir", "data/matrix") or "data/matrix"),
        allowed_inviters=r.strings(data, "allowed_inviters", "matrix.allowed_inviters"),
        organisers=r.strings(data, "organisers", "matrix.organisers"),
    )
