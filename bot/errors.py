"""Known failures that become a friendly, translated reply."""

from __future__ import annotations

import secrets
from typing import Any


class UserError(Exception):
    """A failure the person can understand and act on.

    ``msgid`` is an English gettext message id with named ``{placeholders}``; it is translated into the
    person's language by the dispatcher, never shown raw.
    """

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


class StaleChoice(UserError):
    """A button from an earlier turn, another person, or with tampered data."""


def error_reference() -> str:
    """A short reference shown to the person and written to the log next to the traceback."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read out over the phone
    return "".join(secrets.choice(alphabet) for _ in range(6))
