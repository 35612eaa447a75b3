"""The dialogue engine: routes each Incoming to a conversation flow, one database transaction per turn.

A flow is a small state machine (``handlers/``). Its state (flow name, step, collected data, the options
offered) is stored per (channel, user), so a restart in the middle of a dialogue continues it. Each turn —
de-duplication, the flow's changes, the new state and the replies to send (kept until the channel sent them,
bot/engine/replies.py) — commits as one transaction, so a redelivered platform event changes nothing, a crash
leaves no half-done turn, and no answer is lost to one.
"""

from __future__ import annotations

import logging
import re
from abc import ABC
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from bot.channels.base import Address, Busy, Choice, Incoming, Reply
from bot.errors import StaleChoice, UserError, error_reference
from bot.i18n import N_, Translator, best_language
from bot.store import conversations, turn
from bot.store import residents as residents_repo
from bot.store.conversations import ConversationState
from bot.store.db import Tx
from bot.store.residents import Resident
from bot.text import is_binary, normalise

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

MAX_INPUT = 4000  # characters; Telegram allows 4096, so a longer text comes from elsewhere (paste, console)


@dataclass
class Context:
    """What a flow step sees and what it changes. Flows fill ``replies`` and move ``state``."""

    incoming: Incoming
    tx: Tx
    services: Services
    state: ConversationState
    resident: Resident | None
    t: Translator
    dialogue: Dialogue
    replies: list[Reply] = field(default_factory=list)
    previous_flow: str | None = None  # the dialogue a new command interrupted
    # May the answer to a pressed button take the pressed question's place? None: the dialogue decides (yes
    # for a step of a flow, unless the flow keeps that question; no for global choices unless the handler says).
    in_place: bool | None = None

    @property
    def data(self) -> dict[str, Any]:
        return self.state.data

    @property
    def now(self) -> str:
        return self.services.now_iso()

    def say(self, text: str, choices: tuple[Choice, ...] = ()) -> None:
        self.replies.append(Reply(text=text, choices=choices))

    def ask(self, step: str, text: str, choices: tuple[Choice, ...] = ()) -> None:
        """Ask a question; the answer comes back to ``on_<step>`` of the current flow."""
        self.state.step = step
        self.state.choices = [(c.key, c.label) for c in choices]
        self.say(text, choices)

    def finish(self) -> None:
        self.state.flow = None
        self.state.step = None
        self.state.data = {}
        self.state.choices = []

    def set_language(self, language: str) -> None:
        self.t = Translator(language, self.t.timezone)


def _answering(reply: Reply, incoming: Incoming) -> Reply:
    """A reply sent back where ``incoming`` came from. In a shared room it speaks to the person it answers (a
    refusal names who was refused), and the answer to a reaction goes to the reacted-to post's thread."""
    if incoming.address.private:
        return replace(reply, address=incoming.address)
    thread = incoming.address.thread or incoming.reacted_to
    return replace(reply, address=replace(incoming.address, thread=thread),
                   mentions=reply.mentions or (incoming.actor.user_id,))


class Flow(ABC):
    """A conversation. ``start`` asks the first question; ``on_<step>`` methods handle the answers."""

    name: ClassVar[str]
    needs_resident: ClassVar[bool] = True  # only for people who completed onboarding
    # Questions that stay in the chat as a record once answered (what someone agreed to, what they sent): their
    # answer never takes their place (see Reply.in_place).
    kept_steps: ClassVar[frozenset[str]] = frozenset()

    async def start(self, ctx: Context) -> None:
        raise NotImplementedError

    def busy(self, incoming: Incoming) -> Busy | None:
        """Whether starting this flow for ``incoming`` takes noticeable time (see Dialogue.busy)."""
        return None

    async def answer(self, ctx: Context) -> None:
        step = ctx.state.step or ""
        method: Callable[[Context], Awaitable[None]] | None = getattr(self, f"on_{step}", None)
        if method is None:
            # A step that no longer exists (e.g. after an upgrade): start the flow again.
            ctx.finish()
            await self.start(ctx)
            return
        await method(ctx)


# "Skip" as people type it, in every offered language: it means the Skip (or Pass) option wherever one is
# offered, whatever language the person reads (today's label alone missed "sla over" next to "Overslaan").
SKIP_WORDS = frozenset(normalise(word) for word in (
    "skip", "pass", "sla over", "overslaan", "atla", "geç", "pas", "pas geç", "تخطى", "تخطي", "تخط", "pomiń",
    "pomijam"))
SKIP_KEYS = ("skip", "pass")


def match_choice(text: str, choices: list[tuple[str, str]]) -> str | None:
    """Map a typed answer to an offered option: by its number, its label, or a unique label prefix; a typed
    "skip" in any language to the Skip option."""
    typed = normalise(text)
    if not typed:
        return None
    if typed in SKIP_WORDS:
        skip = next((key for key, _ in choices if key in SKIP_KEYS), None)
        if skip is not None:
            return skip
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return choices[int(typed) - 1][0]
    for key, label in choices:
        if normalise(label) == typed or key == typed:
            return key
    prefixed = [key for key, label in choices if normalise(label).startswith(typed)]
    return prefixed[0] if len(prefixed) == 1 and len(typed) >= 3 else None


_SEVERAL = re.compile(r"\s*[,;&+/]\s*")


def match_several(text: str, choices: list[tuple[str, str]]) -> list[str] | None:
    """Several offered options in one typed answer ("1 3", "1, 3", "Benches, Light"): their keys in the order
    typed, or None unless every part is an option and there are at least two."""
    parts = [part for part in _SEVERAL.split(text.strip()) if part]
    if len(parts) == 1 and all(word.isdigit() for word in text.split()):
        parts = text.split()  # "1 3": numbers need no comma
    keys = [match_choice(part, choices) for part in parts]
    if len(keys) < 2 or any(key is None for key in keys):
        return None
    return list(dict.fromkeys(key for key in keys if key is not None))


Handler = Callable[["Context"], Awaitable[None]]


def _first_in_place(replies: list[Reply], here: Address) -> list[Reply]:
    """Mark the first reply that could be shown inside the pressed message: plain text (with or without new
    options) for the same chat."""
    for index, reply in enumerate(replies):
        if reply.address in (None, here):
            if _plain(reply):
                return [*replies[:index], replace(reply, in_place=True), *replies[index + 1:]]
            break
    return replies


def merge(replies: list[Reply]) -> list[Reply]:
    """Consecutive plain texts to the same place become one message ("Thank you!" + the next question): one
    notification instead of several for the person, and one platform call instead of several for the bot."""
    merged: list[Reply] = []
    for reply in replies:
        previous = merged[-1] if merged else None
        if (previous is not None and previous.address == reply.address and _plain(previous)
                and not previous.choices and _plain(reply)):
            merged[-1] = replace(reply, text=f"{previous.text}\n\n{reply.text}",
                                 in_place=previous.in_place or reply.in_place)
        else:
            merged.append(reply)
    return merged


def _addressed(replies: list[Reply], incoming: Incoming) -> list[Reply]:
    """Every reply with its address (unaddressed ones answer where the message came from), merged."""
    return merge([r if r.address is not None else _answering(r, incoming) for r in replies])


def _plain(reply: Reply) -> bool:
    return (reply.attachment is None and reply.poll is None and reply.closes_poll is None and not reply.refused
            and reply.edit_of is None and not reply.reactions)


class _Refused(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.text)
        self.reply = reply


class Dialogue:
    """Routes commands to flows and answers to the flow in progress."""

    def __init__(self, services: Services, flows: list[Flow], commands: dict[str, str],
                 fallback: Handler, room_commands: dict[str, Handler] | None = None,
                 on_reaction: Handler | None = None) -> None:
        self.services = services
        self.flows = {flow.name: flow for flow in flows}
        self.commands = commands  # command word (any alias) -> flow name
        self.fallback = fallback  # what to do with free text outside any flow
        self.room_commands = room_commands or {}  # commands in shared rooms (moderation), no dialogue state
        self.on_reaction = on_reaction
        # Choice keys "<prefix>.<…>" answer messages sent outside any dialogue; prefix -> handler.
        self.global_choices: dict[str, Handler] = {}
        # Several of those keys typed at once ("1 3"), same prefix -> handler(ctx, keys).
        self.several_choices: dict[str, Callable[[Context, list[str]], Awaitable[None]]] = {}
        self.on_poll_vote: Handler | None = None  # votes on native polls the bot sent (any room, any dialogue)
        # Keeps a committed turn's replies in its own transaction, so a crash before they are sent loses none
        # (bot/engine/replies.py); returns them marked with their receipts. None: replies are not kept.
        self.keep_replies: Callable[[Tx, Incoming, list[Reply]], list[Reply]] | None = None
        # A redelivered event's replies that a dead process held and never confirmed sent: sent now instead.
        self.resume_replies: Callable[[Tx, Incoming], Awaitable[list[Reply]]] | None = None

    def busy(self, incoming: Incoming) -> Busy | None:
        """What the person may be shown while the answer to ``incoming`` is prepared, when it is slow (a file, a
        chart, a computation): known before the turn, from the command or the menu option that starts a flow."""
        if not incoming.address.private:
            return None
        name = self.commands.get(incoming.command.lower()) if incoming.command else incoming.choice
        flow = self.flows.get(name or "")
        what = flow.busy(incoming) if flow is not None else None
        if what is Busy.FILE and incoming.actor.channel not in self.services.file_channels:
            return Busy.TYPING  # the answer comes as text instead
        return what

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle one thing a person did; returns the replies to send (never raises)."""
        t = Translator(best_language(incoming.actor.language_hint, self.services.config.languages,
                                     self.services.config.default_language), self.services.config.timezone)
        try:
            problem = self._check_input(incoming)
            if problem is not None:  # answered in their language; nothing is read further or changed
                async with self.services.db.transaction() as tx:
                    t = await self._their_translator(incoming, tx, t)
                return [Reply(text=t._(problem), address=incoming.address)]
            async with self.services.db.transaction() as tx:
                replies = _addressed(await self._turn(incoming, tx, t), incoming)
                if self.keep_replies is not None and replies:
                    replies = self.keep_replies(tx, incoming, replies)
        except _Refused as refused:
            replies = _addressed([refused.reply], incoming)
        except Exception as exc:
            replies = _addressed([self._unexpected(incoming, t, exc)], incoming)
        return replies

    @staticmethod
    def _unexpected(incoming: Incoming, t: Translator, exc: BaseException) -> Reply:
        """Log an unexpected failure with a short reference; the person sees the reference, never a traceback."""
        reference = error_reference()
        log.error("unexpected error handling a %s event (reference %s)", incoming.actor.channel, reference,
                  exc_info=exc)
        # The turn was rolled back: what the person just sent was not kept, so they must send it again.
        return Reply(text=t._("Sorry, something went wrong on our side, and your last message was not saved. "
                              "Please send it again. If it happens again, please mention reference {reference}.",
                              reference=reference))

    @staticmethod
    def _check_input(incoming: Incoming) -> str | None:
        text = incoming.text
        if text is None:
            if (incoming.command is None and incoming.choice is None and incoming.attachment is None
                    and incoming.reaction is None and incoming.poll_vote is None):
                return N_("I received an empty message. Please type some text.")
            return None
        if is_binary(text):
            return N_("I can only read ordinary text. Please type your message.")
        if len(text) > MAX_INPUT:
            return N_("Your message is too long for me. Please keep it shorter.")
        if not text.strip() and incoming.attachment is None and incoming.command is None:
            return N_("I received an empty message. Please type some text.")
        return None

    async def _their_translator(self, incoming: Incoming, tx: Tx, t: Translator) -> Translator:
        """The person's own language (stored, or chosen halfway through onboarding), else ``t`` (the platform's
        hint), for an answer given before the turn itself is read."""
        actor = incoming.actor
        _, state, resident = await turn.open_turn(tx, actor.channel, actor.user_id)
        language = self._language(incoming, resident, state)
        return Translator(language, self.services.config.timezone) if language else t

    def _language(self, incoming: Incoming, resident: Resident | None, state: ConversationState) -> str | None:
        if not incoming.address.private:
            return self.services.config.moderation.language  # shared rooms are the organisers' places
        return resident.language if resident else state.data.get("language")

    async def _turn(self, incoming: Incoming, tx: Tx, t: Translator) -> list[Reply]:
        services = self.services
        actor = incoming.actor
        # The event's claim, the conversation and the person in one round trip (see Tx).
        new, state, resident = await turn.open_turn(tx, actor.channel, actor.user_id, event_id=incoming.event_id,
                                                    now=services.now_iso(), lock=services.several_processes)
        if not new:
            log.debug("ignoring a redelivered %s event", actor.channel)
            return await self.resume_replies(tx, incoming) if self.resume_replies is not None else []
        if resident is not None and incoming.address.private:
            residents_repo.seen(tx, resident, incoming.address.chat_id)
        language = self._language(incoming, resident, state)
        if language:
            t = Translator(language, services.config.timezone)
        ctx = Context(incoming=incoming, tx=tx, services=services, state=state, resident=resident, t=t,
                      dialogue=self)
        turn_before, answered = state.turn, (state.flow, state.step)
        try:
            await self._route(ctx)
        except UserError as exc:
            # Known failure: roll the whole turn back and tell the person, in their language.
            raise _Refused(Reply(text=ctx.t._(exc.msgid, **exc.params),
                                 refused=isinstance(exc, StaleChoice))) from exc
        except Exception as exc:
            raise _Refused(self._unexpected(incoming, ctx.t, exc)) from exc
        if ctx.replies and ctx.state.choices:
            ctx.state.turn = turn_before + 1
            ctx.replies = [replace(r, turn=ctx.state.turn) if r.choices else r for r in ctx.replies]
        if incoming.choice is not None and incoming.text is None and self._in_place(ctx, *answered):
            ctx.replies = _first_in_place(ctx.replies, incoming.address)
        if ctx.resident is not None or ctx.state.flow is not None:
            conversations.save(tx, ctx.state, services.now_iso())
        else:
            # Nothing personal is stored before consent; an idle state is not worth a row either.
            conversations.delete(tx, actor.channel, actor.user_id)
        if ctx.resident is not None and incoming.address.private:
            residents_repo.active(tx, ctx.resident, services.now_iso())  # the day, for retention
        log.debug("%s turn: %s/%s -> %s/%s, %d replies", actor.channel, *answered, ctx.state.flow, ctx.state.step,
                  len(ctx.replies))  # names of flows and steps only, never what was said
        return ctx.replies

    def _in_place(self, ctx: Context, flow_name: str | None, step: str | None) -> bool:
        """Whether the answer to this press may replace the pressed question (see Context.in_place)."""
        if ctx.in_place is not None:
            return ctx.in_place
        choice = ctx.incoming.choice or ""
        flow = self.flows.get(flow_name or "")
        return (flow is not None and step is not None and step not in flow.kept_steps
                and choice.split(".", 1)[0] not in self.global_choices)

    async def _route(self, ctx: Context) -> None:
        incoming, state = ctx.incoming, ctx.state
        if incoming.poll_vote is not None:
            if self.on_poll_vote is not None:
                await self.on_poll_vote(ctx)
            return
        if not incoming.address.private:
            await self._route_room(ctx)
            return
        if incoming.command is not None and incoming.bare_command and incoming.text is not None \
                and match_choice(incoming.text, state.choices) is not None:
            ctx.incoming = incoming = replace(incoming, command=None, args="")  # "Polls" meant the offered option
        if incoming.command is not None:
            if not incoming.addressed:
                return
            await self.start_command(ctx, incoming.command)
            return
        typed = incoming.text
        if incoming.choice is None and typed is not None and state.choices:
            matched = match_choice(typed, state.choices)
            if matched is not None:
                ctx.incoming = incoming = replace(incoming, choice=matched, choice_turn=None)
            elif (several := match_several(typed, state.choices)) is not None:
                take_several = self.several_choices.get(several[0].split(".", 1)[0])
                if take_several is not None and len({key.split(".", 1)[0] for key in several}) == 1:
                    await take_several(ctx, several)  # e.g. typed "1 3" for a multiple-choice poll
                    return
        if incoming.choice is not None:
            handler = self.global_choices.get(incoming.choice.split(".", 1)[0])
            if handler is not None:
                await handler(ctx)  # answers to messages sent outside any dialogue (e.g. "did you feel heard?")
                return
            if incoming.choice_turn is not None and incoming.choice_turn != state.turn:
                raise StaleChoice("This button has expired. Please use the newest message.")
            if incoming.choice not in {k for k, _ in state.choices}:
                raise StaleChoice("This button has expired. Please use the newest message.")
        flow = self.flows.get(state.flow or "")
        if flow is None:
            await self.fallback(ctx)
            return
        await flow.answer(ctx)

    async def _route_room(self, ctx: Context) -> None:
        """A shared room: organisers' commands, reactions, and an organiser's own guided dialogue in that room.
        Residents' personal dialogues never happen here."""
        incoming, state = ctx.incoming, ctx.state
        if incoming.reaction is not None and self.on_reaction is not None:
            await self.on_reaction(ctx)
        elif incoming.command is not None and incoming.command in self.room_commands:
            await self.room_commands[incoming.command](ctx)
        elif (incoming.command is None and state.flow in self.flows
              and state.data.get("room") == incoming.address.chat_id):
            if incoming.text is not None and state.choices:
                matched = match_choice(incoming.text, state.choices)
                if matched is not None:
                    ctx.incoming = replace(incoming, choice=matched)
            await self.flows[state.flow or ""].answer(ctx)

    async def start_command(self, ctx: Context, command: str) -> None:
        flow_name = self.commands.get(command.lower())
        if flow_name is None:
            ctx.say(ctx.t._("I don't know the command /{command}. Type /help to see what you can do.",
                            command=command[:32]))
            return
        await self.start_flow(ctx, flow_name)

    async def start_flow(self, ctx: Context, flow_name: str) -> None:
        flow = self.flows[flow_name]
        keep = {"language": ctx.data["language"]} if "language" in ctx.data else {}
        ctx.previous_flow = ctx.state.flow if ctx.state.flow != flow_name else ctx.previous_flow
        ctx.finish()
        ctx.state.data.update(keep)
        if flow.needs_resident and ctx.resident is None:
            ctx.say(ctx.t._("First, let us get to know each other."))
            flow = self.flows["start"]
        ctx.state.flow = flow.name
        await flow.start(ctx)
