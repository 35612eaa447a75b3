"""The bot's profile texts in the emulator: setMyDescription, getMyDescription, setMyShortDescription and
getMyShortDescription (https://core.telegram.org/bots/api#setmydescription).

The description (0-512 characters) is what Telegram shows in an empty chat with the bot; the short description
(0-120 characters) is on the bot's profile page and goes with links to the bot. Each is set per two-letter
``language_code``, or without one for everyone whose language has no dedicated text; an empty text removes the
dedicated text for that language. The getters answer exactly what was set for the language asked (like
getMyCommands), as ``BotDescription`` / ``BotShortDescription`` objects; what a person sees, with the fallback,
is ``emu.visible_description(user)``.
"""

from __future__ import annotations

import re
from typing import Any

from .botapi_methods import MessageMethods, api
from .botapi_model import Params, bad_request

MAX_DESCRIPTION = 512
MAX_SHORT_DESCRIPTION = 120


class ProfileMethods(MessageMethods):
    """The description methods; texts live in ``emu.descriptions[(kind, language_code)]``."""

    def language(self, p: Params) -> str:
        """A ``language_code`` parameter: empty, or two lower-case letters (also for the commands' methods)."""
        language = p.get_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return language

    def _set_profile_text(self, p: Params, kind: str, limit: int, too_long: str) -> bool:
        text = p.get_str(kind) or ""
        if len(text) > limit:
            raise bad_request(too_long)
        key = (kind, self.language(p))
        if text:
            self.emu.descriptions[key] = text
        else:
            self.emu.descriptions.pop(key, None)
        self.emu._changed()
        return True

    @api("setMyDescription", {"description", "language_code"})
    async def set_my_description(self, p: Params) -> Any:
        return self._set_profile_text(p, "description", MAX_DESCRIPTION, "description is too long")

    @api("getMyDescription", {"language_code"})
    async def get_my_description(self, p: Params) -> Any:
        return {"description": self.emu.descriptions.get(("description", self.language(p)), "")}

    @api("setMyShortDescription", {"short_description", "language_code"})
    async def set_my_short_description(self, p: Params) -> Any:
        return self._set_profile_text(p, "short_description", MAX_SHORT_DESCRIPTION,
                                      "short description is too long")

    @api("getMyShortDescription", {"language_code"})
    async def get_my_short_description(self, p: Params) -> Any:
        language = self.language(p)
        return {"short_description": self.emu.descriptions.get(("short_description", language), "")}
