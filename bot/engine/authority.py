"""Who may moderate: the one rule that organisers' commands and reactions on posts both use.

A person may moderate in a room when the platform says so (``Incoming.moderator``: the adapter sets it from the
platform's own rights, e.g. power level 50 or more, room-version-12 creators included; in a direct chat with the
bot no platform right counts) or when the configuration lists them as an organiser (``[matrix] organisers``),
which also holds in a direct chat. A room acts only for the neighbourhoods it moderates.

Professionals (issue 20) act in their neighbourhood's professionals' room (``professionals_room``): a member of
that room with a running term there (``[[neighbourhoods.professionals]]`` or ``!professional add``). Commands
both may use (``!signals``, ``!ack``, ``!picture``) accept either rule, each in its own room."""

from __future__ import annotations

from bot.channels.base import Incoming
from bot.config import Config
from bot.engine.moderation import rooms_neighbourhoods
from bot.errors import UserError
from bot.store import professionals as professionals_repo
from bot.store.db import Tx
from bot.store.professionals import ProfessionalTerm


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


def professionals_rooms_neighbourhoods(config: Config, room: str) -> list[str]:
    """The neighbourhoods whose professionals' room this is."""
    return [n.id for n in config.neighbourhoods if n.professionals_room == room]


async def professional_here(tx: Tx, config: Config, incoming: Incoming, today: str) -> ProfessionalTerm:
    """The running term of the person who typed a professionals' command in their room; raises otherwise."""
    hoods = professionals_rooms_neighbourhoods(config, incoming.address.chat_id)
    if not hoods:
        raise UserError("This room is not a professionals' room of any neighbourhood.")
    term = await professionals_repo.active_of_user(tx, incoming.actor.user_id, hoods, today)
    if term is None:
        raise UserError("Only professionals with a role in this neighbourhood can do that. Ask an organiser to "
                        "add you with !professional add.")
    return term


async def readers_room(tx: Tx, config: Config, incoming: Incoming, today: str) -> tuple[list[str], str]:
    """(neighbourhoods, who) for a command that organisers and professionals share: a professional in their
    room (who: the role), else a moderator in a moderation room (who: the account)."""
    if professionals_rooms_neighbourhoods(config, incoming.address.chat_id):
        term = await professional_here(tx, config, incoming, today)
        return [term.neighbourhood_id], term.role
    room = organisers_room(config, incoming)
    return [n.id for n in rooms_neighbourhoods(config, room)], incoming.actor.user_id
