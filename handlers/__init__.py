"""Conversations: what a resident or organiser says, and what the bot answers."""

from __future__ import annotations

from bot.dialogue import Dialogue
from bot.services import Services
from handlers import feedback, moderation
from handlers.commands import command_table
from handlers.common import CancelFlow, HelpFlow, MenuFlow, fallback
from handlers.feedback import FeedbackFlow
from handlers.onboarding import LanguageFlow, StartFlow
from handlers.privacy import ForgetFlow, MyDataFlow
from handlers.share import ShareFlow
from handlers.status import HeardFlow, SettingsFlow, StatusFlow, heard_answer


def build_dialogue(services: Services) -> Dialogue:
    flows = [StartFlow(), LanguageFlow(), MenuFlow(), HelpFlow(), CancelFlow(), ShareFlow(), MyDataFlow(),
             ForgetFlow(), StatusFlow(), SettingsFlow(), HeardFlow(), FeedbackFlow()]
    dialogue = Dialogue(services, flows, command_table(), fallback,
                        room_commands={**moderation.ROOM_COMMANDS, **feedback.ROOM_COMMANDS},
                        on_reaction=moderation.reaction)
    dialogue.global_choices["heard"] = heard_answer
    return dialogue
