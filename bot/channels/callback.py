"""Signed callback data for inline-keyboard buttons (pure: no platform imports).

A button carries ``"{turn}:{key}:{mac}"``: the dialogue turn the option was offered in, the option's key, and
the first 10 characters of the URL-safe base64 HMAC-SHA256 of ``"{user_id}:{turn}:{key}"``. The key may contain
``:`` itself (``"21:00-08:00"``): the turn is digits and the MAC is base64url, so neither contains one, and the
key is what lies between the first and the last ``:``. The secret is
derived from the bot token, so only this bot can make a valid button, and the user id inside the MAC means a
button forwarded to, or pressed by, someone else does not verify. Telegram allows at most 64 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback_data
MAC_CHARS = 10  # 60 bits: forging one by guessing takes about 2**59 tries, each a visible button press
_LABEL = b"wijkbot/telegram/callback-data/v1"


def derive_secret(token: str) -> bytes:
    """A key for button signatures, derived from the bot token (never the token itself)."""
    return hmac.new(token.encode("utf-8"), _LABEL, hashlib.sha256).digest()


@dataclass(frozen=True)
class Pressed:
    """A verified button press: the option key and the turn it was offered in (None: no turn)."""

    key: str
    turn: int | None


def _mac(secret: bytes, user_id: str, turn: str, key: str) -> str:
    digest = hmac.new(secret, f"{user_id}:{turn}:{key}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:MAC_CHARS]


def sign(secret: bytes, user_id: str, turn: int | None, key: str) -> str:
    """Callback data for the option ``key`` offered to ``user_id`` in ``turn``; ValueError if it cannot fit."""
    if not key:
        raise ValueError("a choice key must be non-empty")
    turn_text = "" if turn is None else str(int(turn))
    data = f"{turn_text}:{key}:{_mac(secret, user_id, turn_text, key)}"
    if len(data.encode("utf-8")) > MAX_BYTES:
        raise ValueError(f"callback data for key {key!r} is longer than {MAX_BYTES} bytes")
    return data


def verify(secret: bytes, user_id: str, data: str | None) -> Pressed | None:
    """The press behind ``data`` if this bot signed it for ``user_id``; None for foreign or tampered data."""
    if not data or len(data.encode("utf-8")) > MAX_BYTES:
        return None
    turn_text, _, rest = data.partition(":")
    key, _, mac = rest.rpartition(":")
    if not key or (turn_text and not (turn_text.isascii() and turn_text.isdigit())):
        return None
    if not hmac.compare_digest(mac.encode("utf-8"), _mac(secret, user_id, turn_text, key).encode("ascii")):
        return None
    return Pressed(key=key, turn=int(turn_text) if turn_text else None)
