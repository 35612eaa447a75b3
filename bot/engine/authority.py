"""Who may moderate: the one rule that organisers' commands and reactions on posts both use.

A person may moderate in a room when the platform says so (``Incoming.moderator``: the adapter sets it from the
platform's own rights, e.g. power level 50 or more, room-version-12 creators included; in a direct chat with the
bot no platform right counts) or when the configuration lists them as an organiser (``[matrix] organisers``),
which also holds in a direct chat. A room acts only for the neighbourhoods it moderates."""

from __future__ import annotations

from bot.channels.base import Incoming
from bot.config import Config
from bot.engine.moderation import rooms_neighbourhoods
from bot.errors import UserError


def may_moderate(config: Config, incoming: Incoming) -> bool:
    organisers = config.matrix.organisers if config.matrix else ()
    return incoming.moderator or incoming.actor.user_id in organisers


def organisers_room(config: Config, incoming: Incoming) -> str:
    """The room an organiser's command or reaction is for; raises when the person may not moderate or the room
    moderates no neighbourhood."""
    if not may_moderate(config, incoming):
        raise UserError("Sorry, only moderators of this room can do that. Ask an organiser to give you "
                        "moderator rights.")
    room = incoming.address.chat_id
    if not rooms_neighbourhoods(config, room):
        raise UserError("This room is not a moderation room of any neighbourhood.")
    return room
