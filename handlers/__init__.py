"""Conversations: what a resident or organiser says, and what the bot answers."""

from __future__ import annotations

from bot.dialogue import Dialogue
from bot.services import Services
from handlers import registry
from handlers.commands import command_table
from handlers.common import CancelFlow, HelpFlow, MenuFlow, fallback
from handlers.contacts import ContactFlow, ReplyFlow, answer_choice, with_contact_replies
from handlers.deliberation import DeliberateFlow, join_choice
from handlers.feedback import FeedbackFlow
from handlers.heard import HeardFlow, heard_answer
from handlers.moderation import RejectReasonFlow
from handlers.onboarding import LanguageFlow, StartFlow
from handlers.polls_resident import PollsFlow, poll_response, vote_choice, vote_reads, vote_several
from handlers.polls_rooms import PollFlow
from handlers.privacy import ForgetFlow, MyDataFlow
from handlers.privacy_statement import PrivacyFlow
from handlers.settings import SettingsFlow
from handlers.share import ShareFlow
from handlers.status import StatusFlow


def build_dialogue(services: Services) -> Dialogue:
    flows = [StartFlow(), LanguageFlow(), MenuFlow(), HelpFlow(), CancelFlow(), ShareFlow(), MyDataFlow(),
             ForgetFlow(), StatusFlow(), SettingsFlow(), HeardFlow(), FeedbackFlow(), DeliberateFlow(),
             ContactFlow(), ReplyFlow(), PollFlow(), PollsFlow(), PrivacyFlow(),
             RejectReasonFlow()]
    dialogue = Dialogue(services, flows, command_table(), with_contact_replies(fallback),
                        room_commands=registry.room_table(), on_reaction=registry.reaction)
    dialogue.global_choices["heard"] = heard_answer
    dialogue.global_choices["delib"] = join_choice
    dialogue.global_choices["relay"] = answer_choice  # "Answer" under a contact person's answer
    dialogue.global_choices["vote"] = vote_choice  # a poll option: "vote.<poll id>.<option>"
    dialogue.read_ahead["vote"] = vote_reads  # its poll and the current vote, with the turn's opening read
    dialogue.several_choices["vote"] = vote_several  # "1 3" typed for a multiple-choice poll
    dialogue.on_poll_vote = poll_response  # a vote on a native (Matrix) poll
    return dialogue
