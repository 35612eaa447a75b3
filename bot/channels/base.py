"""The seam between chat platforms and conversations.

Channel adapters turn platform events into :class:`Incoming` values and render :class:`Reply` values.
Nothing outside the adapter packages (``bot/channels/telegram/``, ``matrix/``, ``whatsapp/``) knows which
platform a person is on; handlers only see these plain, immutable values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

# Whether what is being sent right now is bulk (a fan-out, a digest, an announcement) rather than the answer to
# what someone just did. The outbox dispatcher sets it around a bulk row's send; a channel whose rate limiter
# can order requests (Telegram) serves everything else first.
SENDING_BULK: ContextVar[bool] = ContextVar("sending_bulk", default=False)


@dataclass(frozen=True)
class Actor:
    """Who sent something: a person on one channel."""

    channel: str
    user_id: str
    display_name: str | None = None
    language_hint: str | None = None  # e.g. Telegram's language_code; only a hint


@dataclass(frozen=True)
class Address:
    """Where a message goes or came from: a chat or room on one channel."""

    channel: str
    chat_id: str
    thread: str | None = None
    private: bool = True  # a one-to-one chat with the bot (not a group or room with others)


@dataclass(frozen=True)
class Choice:
    """One option offered to a person. ``key`` is stable and short; ``label`` is translated."""

    key: str
    label: str


class Busy(StrEnum):
    """What a person may be shown while a slow answer is prepared (a file, a chart, a computation); channels
    render it their own way (Telegram: a chat action such as "typing…") or not at all."""

    TYPING = "typing"
    PHOTO = "photo"
    FILE = "file"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    FILE = "file"
    LOCATION = "location"


@dataclass(frozen=True)
class Attachment:
    """Something that is not text: a photo or file (by reference or bytes) or a location."""

    kind: AttachmentKind
    ref: str | None = None  # platform file id, kept instead of the bytes where possible
    data: bytes | None = None  # bytes for outgoing files (e.g. the /mydata export)
    filename: str | None = None
    mime_type: str | None = None
    size: int | None = None
    alt_text: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Poll:
    """A poll to render natively where the platform can (Matrix: an MSC3381 poll event). ``options`` keys are the
    answer ids a :class:`PollVote` reports back; channels without native polls ignore this and show the text and
    the reply's choices instead."""

    question: str
    options: tuple[Choice, ...]
    max_selections: int = 1
    disclosed: bool = False  # whether clients may show the running tally to voters


@dataclass(frozen=True)
class PollVote:
    """A vote cast on a native poll: the platform message id of the poll and the chosen answer ids (may be forged:
    the engine checks them). An empty ``answers`` withdraws the vote."""

    poll_message_id: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: a command, free text, a chosen option or an attachment."""

    actor: Actor
    address: Address
    text: str | None = None
    command: str | None = None  # lower-case, without the leading slash or bang
    bare_command: bool = False  # the command word was typed without its slash (a channel without a command menu):
    #                             an option of the question in progress with that label wins
    args: str = ""
    choice: str | None = None  # key of a chosen option, already verified by the channel
    choice_turn: int | None = None  # the dialogue turn the option was offered in (stale-button check)
    attachment: Attachment | None = None
    event_id: str | None = None  # platform event id, for de-duplication
    addressed: bool = True  # in a group: whether the message was meant for the bot
    reaction: str | None = None  # an emoji reaction (Matrix m.reaction key) ...
    reacted_to: str | None = None  # ... to this platform message id (one the bot sent)
    moderator: bool = False  # the platform says this person may moderate here (e.g. Matrix power level >= 50)
    reply_to: str | None = None  # platform id of the message this one answers (Matrix rich reply, Telegram reply)
    poll_vote: PollVote | None = None  # a vote on a native poll the bot sent (Matrix MSC3381 poll response)


@dataclass(frozen=True)
class Reply:
    """What the bot says. Text is already translated; handlers return replies and never send."""

    text: str
    choices: tuple[Choice, ...] = ()
    attachment: Attachment | None = None
    address: Address | None = None  # None: answer where the incoming message came from
    turn: int | None = None  # the dialogue turn the choices belong to; set by the dispatcher
    edit_of: str | None = None  # platform message id to edit instead of sending anew
    notice: bool = True  # Matrix: send as m.notice (bots should not trigger other bots)
    reactions: tuple[str, ...] = ()  # after sending, the bot reacts to its own message with these (Matrix)
    refused: bool = False  # the answer to a stale or forged button: channels may show it as a short notice
    poll: Poll | None = None  # also send a native poll (Matrix); its event id becomes the SendResult's message id
    closes_poll: str | None = None  # platform message id of a poll this message ends (Matrix poll end event;
    #                                 Telegram: the announcement's buttons are removed)
    purpose: str | None = None  # what a queued message is for (the outbox row's purpose: "feedback", "poll" …);
    #                            channels that deliver kinds differently use it (WhatsApp: which template)
    in_place: bool = False  # the answer to a pressed button that may take the pressed question's place (Telegram
    #                        edits it in, with the chosen option on top); other channels send it as usual
    receipt: str | None = None  # the key of this reply's held outbox row (a turn's reply kept with the turn);
    #                             the channel tells the host with ``replied`` once it was sent or failed
    mentions: tuple[str, ...] = ()  # platform user ids the message speaks to (Matrix: m.mentions and a pill, so
    #                                 they are notified; every other Matrix message carries an empty m.mentions)
    settled: bool = False  # an edit (``edit_of``) of a post that was decided: the channel takes back the reaction
    #                        prompts it put under that post (Matrix: redacts the bot's own reactions)


@dataclass(frozen=True)
class SendResult:
    ok: bool
    message_id: str | None = None
    unreachable: bool = False  # permanently: the person blocked the bot or left
    retry_after: float | None = None  # transient: try again after this many seconds
    error: str | None = None
    final: bool = False  # failed for good (e.g. a message too old to delete), though the chat is still reachable
    waiting: bool = False  # waits for the person (to open WhatsApp's 24-hour window): retried for 30 days


class Host(Protocol):
    """What a channel calls back into: the application."""

    async def dispatch(self, incoming: Incoming) -> list[Reply]:
        """Handle one Incoming; returns the replies the channel should send back (in order)."""
        ...

    async def unreachable(self, address: Address) -> None:
        """The person at ``address`` blocked the bot or left: stop sending to them."""
        ...

    def replied(self, reply: Reply, result: SendResult) -> None:
        """A reply that ``dispatch`` returned was sent (or not): its held copy can go (or be retried)."""
        ...


@runtime_checkable
class ShowsBusy(Protocol):
    """A channel that can show that an answer is being prepared (optional: channels without it show nothing)."""

    async def busy(self, address: Address, what: Busy) -> None: ...


@runtime_checkable
class SharesBudget(Protocol):
    """A host that shares a platform's overall sending limit among several processes of the bot (bot/cluster.py):
    ``send_budget(channel)`` gives a way to reserve ``slots`` consecutive slots ``interval`` seconds apart, not
    before this process's own next slot (seconds from now), which answers the seconds until the first (or None
    while this process is alone); None when there is never more than one process."""

    def send_budget(self, channel: str) -> Callable[[int, float, float], Awaitable[float | None]] | None: ...


@runtime_checkable
class KeepsFiles(Protocol):
    """A host that keeps a channel's own files (the Matrix store) in the database, so that another process can run
    the channel after this one (bot/cluster.py). ``files_load`` gives None when the host does not keep them (one
    process: they stay on disk only), else the kept files by name (empty before the first save)."""

    async def files_load(self, channel: str) -> dict[str, bytes] | None: ...

    async def files_save(self, channel: str, files: dict[str, bytes]) -> None: ...


@runtime_checkable
class ServesSome(Protocol):
    """A channel that delivers only to some of its chats (a console session: its own person or room). The outbox
    leaves the others' rows queued for the session that serves them."""

    def serves(self, address: Address) -> bool: ...


@runtime_checkable
class Channel(Protocol):
    """A chat platform. ``start`` begins receiving and hands each Incoming to ``host.dispatch``.

    ``send`` never raises for platform failures: it reports them in the SendResult (unreachable, retry_after,
    error), so the outbox can decide what to do.
    """

    name: str
    can_send_files: bool  # can deliver a file (e.g. the /mydata export) to a person
    accepts_photos: bool  # people can send photos on this channel
    command_prefix: str  # how a command is spelled here ("/reply", "!reply"); see bot/channels/conventions.py

    async def start(self, host: Host) -> None: ...

    async def stop(self) -> None: ...

    async def send(self, reply: Reply) -> SendResult: ...

    async def delete(self, address: Address, message_id: str) -> SendResult:
        """Take back a message the bot posted at ``address`` (Telegram: delete it; Matrix: redact it). A message
        that is already gone counts as taken back; one the platform will not let go is a ``final`` failure."""
        ...

