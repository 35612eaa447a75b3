"""/forget beyond the database: what the bot posted of a resident's stories is taken back, what is still
queued is withdrawn (issue 13.2).

Every message that shows a story (the moderation post, each publication, the contact person's copy) is
remembered in ``story_posts`` when its outbox row is confirmed sent. "Erase me and my stories" withdraws every
outbox row about the stories, queued or delivered, and queues a removal of each posted message: a Matrix
redaction, a Telegram ``deleteMessage``. The removals are outbox rows themselves ("delete"), so a crash or an
outage delays them but does not lose them. Telegram lets a bot delete a message for 48 hours only, but edit it
at any age: an older post in a Telegram group keeps only a note that the story was removed, and /forget says so.
"Keep my stories without my name" changes only the messages that show the first name: Telegram posts are
edited, Matrix posts are redacted (an edit would keep the old text in the event's history) and posted again
without the name where they still matter (a story still waiting in the moderation room, a published story in
its public rooms). A row that was in flight when /forget withdrew it is taken back as soon as the platform
confirms it (``remember``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.channels import conventions
from bot.channels.base import Address, Reply
from bot.engine import moderation, outbox
from bot.i18n import Translator
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import deliberations, heard, story_posts
from bot.store import experiences as experiences_repo
from bot.store import outbox as outbox_repo
from bot.store.db import Tx
from bot.store.experiences import Experience
from bot.store.outbox import Pending

STORY_PURPOSES = ("moderation", "publish", "contact-story")  # outbox rows whose message shows a story
NAMED_PURPOSES = ("moderation", "publish", moderation.POST_STATE)  # ... and may show the author's first name
# (an edit of a moderation post shows the story too; a delivered one is redacted with the post it edits)
ABOUT_STORY = (*STORY_PURPOSES, moderation.POST_STATE, "decision")
# (Statements and comments are only ever posted in Matrix moderation rooms, where no such window applies.)


@dataclass(frozen=True)
class Removal:
    taken_back: int  # messages showing the stories whose removal is queued
    too_old: int  # Telegram messages older than 48 hours, which the bot can no longer delete
    words: int = 0  # messages with the person's statements or comments whose removal is queued


def install(scheduler: Scheduler, dispatcher: outbox.Dispatcher, services: Services) -> None:
    """Where each story was posted, for /forget (no scheduled job)."""

    async def remember(tx: Tx, item: Pending, message_id: str | None, now: str) -> None:
        """A message showing a story was sent: remember where. Withdrawn by /forget while in flight: take it
        back right away."""
        if not message_id:
            return
        if await outbox_repo.is_withdrawn(tx, item.id):
            await outbox.enqueue_delete(tx, services, item.address, message_id)
            return
        e = await experiences_repo.by_reference(tx, item.subject) if item.subject else None
        if e is not None:
            named = item.purpose in NAMED_PURPOSES and e.author_name is not None
            await story_posts.remember(tx, item.address, message_id, e.id, item.purpose, named, now)

    for purpose in STORY_PURPOSES:
        dispatcher.on_sent(purpose, remember)


async def take_back(tx: Tx, services: Services, stories: list[Experience], keep: bool) -> Removal:
    """Withdraw the queued rows about ``stories`` and queue taking back what was posted. With ``keep`` only what
    shows the author's name changes: in Matrix it is redacted and comes back without the name where it still
    matters; in Telegram the post is edited (a bot may edit its messages at any age, but delete them for 48
    hours only). Without ``keep``, a Telegram post too old to delete gets a note in place of the story. Run
    before the stories change."""
    if keep:
        stories = [e for e in stories if e.author_name is not None]
    withdrawn = await outbox_repo.withdraw_about(tx, [e.reference for e in stories],
                                                 NAMED_PURPOSES if keep else ABOUT_STORY)
    posts = [p for p in await story_posts.of_experiences(tx, [e.id for e in stories]) if p.named or not keep]
    anonymous = {e.id: replace(e, author_name=None) for e in stories}
    too_old, redacted = [], []
    for post in posts:
        in_place = _again(services, post.purpose, anonymous[post.experience_id]) if keep else None
        window = conventions.delete_window(post.address.channel)
        if window is not None and in_place is not None:  # the name goes, the post stays
            await _edit(tx, services, post, in_place.text)
            await story_posts.unnamed(tx, post)
        elif window is not None and post.posted_at < (services.now() - window).isoformat(timespec="seconds"):
            too_old.append(post)
            await _edit(tx, services, post, _removed_note(services))
        else:
            redacted.append(post)
            await outbox.enqueue_delete(tx, services, post.address, post.message_id)
    await story_posts.forget(tx, redacted + too_old)
    if keep:
        again = {(p.address, p.purpose, p.experience_id) for p in redacted}
        by_reference = {e.reference: e.id for e in stories}
        again |= {(w.address, w.purpose, by_reference[w.subject]) for w in withdrawn if w.subject in by_reference}
        for address, purpose, experience_id in sorted(again, key=lambda a: (a[2], a[1], a[0].channel, a[0].chat_id)):
            reply = _again(services, purpose, anonymous[experience_id])
            if reply is not None:
                await outbox.enqueue(tx, services, address, reply, purpose=purpose,
                                     subject=anonymous[experience_id].reference)
    return Removal(len(posts) - len(too_old), len(too_old))


async def take_back_words(tx: Tx, services: Services, resident_id: int, keep: bool) -> int:
    """A resident's other words that left the bot: their statements in neighbourhood conversations (shown in the
    moderation room; kept ones are approved and carry no name) and their "did you feel heard?" comments
    (passed on to the moderation room). Queued rows go; what was posted is taken back. Returns how many."""
    statements = await deliberations.posts_of_author(tx, resident_id, keep_approved=keep)
    await outbox_repo.withdraw_about(tx, [reference for reference, *_ in statements], ("delib-statement",))
    posted = [(Address(channel, chat_id, private=False), message_id)
              for _, channel, chat_id, message_id in statements if message_id]
    comments = await heard.comments_of(tx, resident_id)
    t = moderation.organisers_translator(services.config)  # the comment's line as feedback.heard_comment wrote it
    posted += await outbox_repo.withdraw_ending(tx, "heard", sorted({ref for ref, _ in comments}),
                                                ["\n" + t._("Their comment: {comment}", comment=comment)
                                                 for _, comment in comments])
    for address, message_id in posted:
        await outbox.enqueue_delete(tx, services, address, message_id)
    return len(posted)


def _again(services: Services, purpose: str, e: Experience) -> Reply | None:
    """The message without the author's name, where it still matters: a story still waiting in the moderation
    room, a published story in its public rooms and group."""
    config = services.config
    hood = config.neighbourhood(e.neighbourhood_id)
    if hood is None:
        return None
    if purpose == "moderation" and e.status == "new":
        text = moderation.describe(moderation.organisers_translator(config), config, e)
        return Reply(text=text, reactions=moderation.REACTIONS)
    if purpose == "publish" and e.status == "approved":
        return Reply(text=moderation.publication(config, hood, e))
    return None


def _removed_note(services: Services) -> str:
    t = Translator(services.config.default_language, services.config.timezone)
    return t._("This story was removed at the request of the person who shared it.")


async def _edit(tx: Tx, services: Services, post: story_posts.Post, text: str) -> None:
    await outbox.enqueue(tx, services, post.address, Reply(text=text, edit_of=post.message_id), purpose="edit")
