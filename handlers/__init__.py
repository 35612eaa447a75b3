"""Conversations: what a resident or organiser says, and what the bot answers."""

from __future__ import annotations

from bot.dialogue import Dialogue
from bot.services import Services
from handlers import moderation
from handlers.commands import command_table
from handlers.common import CancelFlow, HelpFlow, MenuFlow, fallback
from handlers.moderation import ROOM_COMMANDS
from handlers.onboarding import LanguageFlow, StartFlow
from handlers.privacy import ForgetFlow, MyDataFlow
from handlers.share import ShareFlow


def build_dialogue(services: Services) -> Dialogue:
    flows = [StartFlow(), LanguageFlow(), MenuFlow(), HelpFlow(), CancelFlow(), ShareFlow(), MyDataFlow(),
             ForgetFlow()]
    return Dialogue(services, flows, command_table(), fallback, room_commands=ROOM_COMMANDS,
                    on_reaction=moderation.reaction)
