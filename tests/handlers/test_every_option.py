"""Every option the bot can offer can be a Telegram button: a walk through every flow, every step that offers
choices and every global button family (``<feature>.<id>.<value>``), signing each option as the Telegram channel
does, with its ids at their largest and a turn of seven digits, within Telegram's 64 bytes.

The walk starts from every command, from the organisers' guided forms in a moderation room and from every button
a resident gets outside a dialogue (poll announcement, "did you feel heard?", conversation invitation, a contact
person's answer). It presses every option once (each path replayed by a new person, so one path's erasure or vote
does not hide another's), answers questions without options with a canned text, and fails when a flow, a step or
a global button family was never reached, or when a question without options has no canned answer: a new step or
button is walked, and signed, before it can ship.

The same walk checks the words on the options in every shipped language: where the English labels of a message
make WhatsApp reply buttons (at most three, each at most 20 characters), the translated labels do too, and a
label that fits a list row in English (24 characters) fits one in every language, so no translation turns a
button into a list or cuts a label short with "…".
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.app import App
from bot.channels.base import Actor, Address, Incoming, Reply
from bot.channels.callback import MAX_BYTES, Pressed, derive_secret, sign, verify
from bot.channels.whatsapp import render
from bot.clock import ManualClock
from bot.config import SUPPORTED_LANGUAGES, Config
from bot.dialogue import Context
from bot.i18n import Translator, locales_dir
from bot.store import conversations
from handlers.commands import COMMANDS
from tests.engine.polls_support import MONDAY
from tests.engine.test_moderation import MOD_ROOM, organiser
from tests.support import BASE, Recorder, make_config

SECRET = derive_secret("123456:TEST-token_abcdefghij")
TELEGRAM_USER = "9999999999"  # ten digits: the longest Telegram user ids today
LONGEST_TURN = 9_999_999  # a resident who answered ten million questions
LARGEST_ID = str(2**63 - 1)  # the largest SQLite row id
_ID = re.compile(r"(?<=[.a-z])\d+(?=\.|$)")  # "vote.3.1", "write.4", "d7": the ids in an option key
STORY = "De lantaarnpalen in de Kerkstraat zijn al weken kapot en het is daar 's avonds erg donker."
CONTACT = "@anna:localhost"
MAX_DEPTH = 12

# Answers to questions that offer no options, per (flow, step).
TYPED = {
    ("start", "neighbourhood"): "centrum",
    ("share", "story"): STORY,
    ("share", "place"): "Kerkstraat",
    ("share", "name"): "Anna",
    ("contact", "message"): "Kunt u mij bellen over de lantaarnpalen?",
    ("deliberate", "statement"): "Er moeten meer lantaarnpalen op het plein komen.",
    ("heard", "comment"): "Het duurde wel lang.",
    ("poll", "question"): "Wat moet er op het plein komen?",
    ("poll", "options"): "Meer licht | Bankjes",
    ("poll", "opens"): "morgen 9:00",
    ("poll", "closes"): "over 3 dagen",
    ("feedback", "target"): "@centrum theme housing",
    ("feedback", "what"): "We hebben de lampen gerepareerd.",
    ("feedback", "because"): "De aannemer had tijd.",
    ("feedback", "commitment"): "none",
}


def worst_cases(key: str) -> set[str]:
    return {key, _ID.sub(LARGEST_ID, key)}


@dataclass
class Walk:
    """What the walk saw: every option signed, every (flow, step) asked, every flow started."""

    signed: set[str] = field(default_factory=set)
    asked: set[tuple[str, str]] = field(default_factory=set)
    started: set[str] = field(default_factory=set)
    pressed: set[tuple[str | None, str | None, str]] = field(default_factory=set)
    unanswerable: set[tuple[str, str]] = field(default_factory=set)
    labels: set[tuple[str, ...]] = field(default_factory=set)
    went_on: set[tuple[str | None, str | None, int]] = field(default_factory=set)

    def sign_all(self, replies: list[Reply]) -> None:
        for reply in replies:
            turn = None if reply.turn is None else LONGEST_TURN
            if reply.choices:
                self.labels.add(tuple(choice.label for choice in reply.choices))
            for choice in reply.choices:
                for key in worst_cases(choice.key):
                    data = sign(SECRET, TELEGRAM_USER, turn, key)  # ValueError: this option cannot be a button
                    assert len(data.encode()) <= MAX_BYTES
                    assert verify(SECRET, TELEGRAM_USER, data) == Pressed(key=key, turn=turn)
                self.signed.add(choice.key)


def config(tmp_path: Path) -> Config:
    hoods = copy.deepcopy(BASE["neighbourhoods"])
    hoods[0]["contacts"] = [{"id": "anna", "name": "Anna de Vries", "role": "wijkcoördinator", "since": "2024-03-01",
                             "matrix_user": CONTACT}]
    hoods[1]["moderation_room"] = MOD_ROOM  # one room for two neighbourhoods: the poll form asks which
    return make_config(tmp_path, neighbourhoods=hoods)


@pytest.fixture
async def walk_app(tmp_path: Path) -> AsyncIterator[App]:
    telegram = Recorder("telegram", can_send_files=True, accepts_photos=True)
    application = App(config(tmp_path), [Recorder("matrix", can_send_files=True), telegram], clock=ManualClock(MONDAY))
    await application.start(background=False)
    yield application
    await application.stop()


class Walker:
    def __init__(self, app: App, walk: Walk) -> None:
        self.app, self.walk = app, walk
        self._names = itertools.count(1)
        telegram = app.channels["telegram"]
        assert isinstance(telegram, Recorder)
        self.telegram = telegram
        self.last: list[Reply] = []
        self.actor, self.address = self._person("resident")

    def _person(self, kind: str) -> tuple[Actor, Address]:
        user = f"{kind}-{next(self._names)}"
        if kind == "organiser":
            return Actor("matrix", f"@{user}:localhost"), Address("matrix", MOD_ROOM, private=False)
        return Actor("telegram", user, display_name=user, language_hint="en"), Address("telegram", user)

    async def _send(self, actor: Actor, address: Address, *, text: str | None = None,
                    choice: str | None = None, turn: int | None = None, command: str | None = None) -> list[Reply]:
        private = address.private
        incoming = Incoming(actor, address, text=text, choice=choice, choice_turn=turn, command=command, args="",
                            moderator=not private, addressed=private or command is not None)
        replies = await self.app.dispatch(incoming)
        self.walk.sign_all(replies)
        self.last = replies
        return replies

    async def _onboard(self, actor: Actor, address: Address) -> None:
        await self._send(actor, address, text="/start", command="start")
        for answer in ("en", "centrum", "yes"):
            await self._send(actor, address, choice=answer)

    async def _globals(self, actor: Actor, address: Address) -> list[Reply]:
        """A resident who gets every kind of button sent outside a dialogue; those messages, in order."""
        await self._onboard(actor, address)
        await self._send(actor, address, text="/settings", command="settings")
        for key in ("polls", "yes", "done"):  # hear about polls
            await self._send(actor, address, choice=key)
        for step in ("/share", "housing", STORY, "skip", "skip", "anonymous", "send"):
            if step.startswith("/"):
                await self._send(actor, address, text=step, command=step[1:])
            elif step == STORY:
                await self._send(actor, address, text=step)
            else:
                await self._send(actor, address, choice=step)
        await self._send(actor, address, text="/contact", command="contact")
        await self._send(actor, address, choice=next(c.key for r in self.last for c in r.choices
                                                     if c.key.startswith("write.")))
        await self._send(actor, address, text="Kunt u mij bellen?")
        async with self.app.db.transaction() as tx:
            reference = await tx.value("SELECT reference FROM experiences ORDER BY id DESC LIMIT 1")
            thread = "R-" + str(await tx.value("SELECT id FROM relay_threads ORDER BY id DESC LIMIT 1"))
        org = organiser(self.app, f"!feedback {reference} | done | We repaired the lights | the contractor had room")
        await self.app.dispatch(org)
        await self.app.dispatch(organiser(self.app, "!poll Lights? | Yes | No | closes in 3 days"))
        await self.app.dispatch(organiser(self.app, '!deliberate @centrum "How do we make the square safer?" | '
                                                    "More lighting | Cameras"))
        await self.app.dispatch(Incoming(Actor("matrix", CONTACT), Address("matrix", "!dm-anna:localhost"),
                                         text=f"!reply {thread} Ik bel u morgen.", command="reply",
                                         args=f"{thread} Ik bel u morgen."))
        before = len(self.telegram.sent)
        while await self.app.outbox.drain():
            pass
        mine = [r for r in self.telegram.sent[before:] if r.address and r.address.chat_id == actor.user_id]
        self.walk.sign_all(self.telegram.sent[before:])
        return [r for r in mine if r.choices]

    async def replay(self, root: tuple[str, str], path: list[tuple[str, str, int | None]]) -> list[Reply]:
        """A new person follows ``root`` then ``path``; the replies to the last step."""
        kind, what = root
        actor, address = self._person("organiser" if kind == "room" else "resident")
        replies: list[Reply] = []
        if kind == "command":
            if what != "start":
                await self._onboard(actor, address)
            replies = await self._send(actor, address, text=f"/{what}", command=what)
        elif kind == "room":
            replies = await self._send(actor, address, text=f"!{what}", command=what)
        else:  # a global button: the n-th kind of message with buttons that a resident receives
            kind_index, key_index = (int(part) for part in what.split("."))
            messages = await self._globals(actor, address)
            replies = [messages[kind_index]]
            key = messages[kind_index].choices[key_index].key
            path = [("press", key, None), *path]
        for action, value, turn in path:
            if action == "press":
                replies = await self._send(actor, address, choice=value, turn=turn)
            else:
                replies = await self._send(actor, address, text=value)
        self.actor, self.address = actor, address
        return replies

    async def state(self) -> conversations.ConversationState:
        async with self.app.db.transaction() as tx:
            return await conversations.load(tx, self.actor.channel, self.actor.user_id)


def as_buttons(labels: tuple[str, ...]) -> bool:
    return len(labels) <= render.BUTTONS and all(len(label) <= render.BUTTON_TITLE for label in labels)


def labels_that_do_not_fit(seen: set[tuple[str, ...]]) -> list[str]:
    """Options whose translation gets a worse WhatsApp widget than English: a list instead of reply buttons, or a
    row title cut short. Labels are traced back to their msgid; names and typed options are the same everywhere."""
    with (locales_dir() / "en" / "LC_MESSAGES" / "messages.po").open("rb") as catalog:
        english = {message.string: message.id for message in read_po(catalog)
                   if message.id and isinstance(message.id, str)}
    problems = []
    for labels in seen:
        msgids = [english.get(label) for label in labels]
        for language in SUPPORTED_LANGUAGES:
            t = Translator(language)
            shown = tuple(label if msgid is None else t._(msgid) for label, msgid in zip(labels, msgids, strict=True))
            if as_buttons(labels) and not as_buttons(shown):
                problems.append(f"{language}: {shown} are no longer reply buttons (English: {labels})")
            problems += [f"{language}: {label!r} is cut short in a list row (English: {english_label!r})"
                         for english_label, label in zip(labels, shown, strict=True)
                         if len(english_label) <= render.ROW_TITLE < len(label)]
    return problems


async def explore(walker: Walker, walk: Walk, root: tuple[str, str]) -> None:
    """Press every option not pressed before in that (flow, step); where all were, go on with the first one (a
    conversation asks the same question about several statements before it asks something else)."""
    queue: list[list[tuple[str, str, int | None]]] = [[]]
    while queue:
        path = queue.pop()
        replies = await walker.replay(root, path)
        state = await walker.state()
        if state.flow and state.step:
            walk.asked.add((state.flow, state.step))
        actions = [("press", c.key, r.turn) for r in replies for c in r.choices]
        if state.flow and state.step and not actions:
            typed = TYPED.get((state.flow, state.step))
            if typed is None:
                walk.unanswerable.add((state.flow, state.step))
            else:
                actions = [("say", typed, None)]
        new = [a for a in actions if (state.flow, state.step, a[1]) not in walk.pressed]
        walk.pressed.update((state.flow, state.step, a[1]) for a in new)
        if not new and actions and len(path) < MAX_DEPTH and (state.flow, state.step, len(path)) not in walk.went_on:
            walk.went_on.add((state.flow, state.step, len(path)))
            new = actions[:1]
        queue += [[*path, action] for action in new]


async def test_every_option_of_every_flow_and_button_can_be_signed(walk_app: App,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    walk = Walk()
    dialogue = walk_app.dialogue
    for flow in dialogue.flows.values():
        original = flow.start

        async def recorded(ctx: Context, _original: Callable[[Context], Awaitable[None]] = original,
                           _name: str = flow.name) -> None:
            walk.started.add(_name)
            await _original(ctx)

        monkeypatch.setattr(flow, "start", recorded)
    walker = Walker(walk_app, walk)

    global_messages = await walker._globals(*walker._person("resident"))
    families = {c.key.split(".", 1)[0] for r in global_messages for c in r.choices}
    assert families >= set(dialogue.global_choices), "a global button family was never sent"
    for index, message in enumerate(global_messages):
        for key_index in range(len(message.choices)):
            await explore(walker, walk, ("global", f"{index}.{key_index}"))
    for command in COMMANDS:
        await explore(walker, walk, ("command", command.name))
    for form in ("poll", "feedback"):
        await explore(walker, walk, ("room", form))

    assert walk.unanswerable == set(), "questions without options need an answer in TYPED"
    # The reason asked after 🚫 on a moderation post offers no options (it is typed in the post's thread); it is
    # walked in tests/channels/matrix/test_moderation_post_state.py.
    without_options = {"reject-reason"}
    assert set(dialogue.flows) - without_options <= walk.started, "flows the walk never started"
    steps = {(name, attribute[3:]) for name, flow in dialogue.flows.items() for attribute in dir(flow)
             if attribute.startswith("on_") and callable(getattr(flow, attribute)) and name not in without_options}
    assert steps <= walk.asked, f"steps the walk never reached: {sorted(steps - walk.asked)}"
    # The options the issue was about, and the ones with ids, were among those signed.
    assert {"21:00-08:00", "00:00-00:00", "12-14"} <= walk.signed
    assert any(key.startswith("vote.") for key in walk.signed) and any(k.startswith("write.") for k in walk.signed)
    problems = labels_that_do_not_fit(walk.labels)
    assert not problems, "\n".join(problems)
    assert any(as_buttons(labels) for labels in walk.labels) and len(walk.labels) > 20
