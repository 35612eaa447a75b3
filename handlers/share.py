"""/share: theme, story, place, photo, how to be shown, a summary to confirm, and a receipt."""

from __future__ import annotations

import re

from bot.channels.base import Attachment, AttachmentKind, Choice
from bot.dialogue import Context, Flow
from bot.engine import experiences
from bot.engine.moderation import SCRUB_KIND_NAMES
from bot.engine.themes import THEMES

PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
MAX_PHOTO_BYTES = 10 * 1024 * 1024
_FIRST_NAME = re.compile(r"^[^\W\d_][^\W\d_'\- ]*(?:[-' ][^\W\d_]+)*$")


def theme_choices(ctx: Context) -> tuple[Choice, ...]:
    return tuple(Choice(key, ctx.t._(label)) for key, label in THEMES.items())


def skip_choice(ctx: Context) -> tuple[Choice, ...]:
    return (Choice("skip", ctx.t._("Skip")),)


def _wrong_type(attachment: Attachment) -> bool:
    return bool(attachment.mime_type) and attachment.mime_type not in PHOTO_TYPES


def _too_large(attachment: Attachment) -> bool:
    return attachment.size is not None and attachment.size > MAX_PHOTO_BYTES


class ShareFlow(Flow):
    name = "share"
    kept_steps = frozenset({"summary"})  # what the person sent stays readable

    async def start(self, ctx: Context) -> None:
        ctx.state.flow = self.name
        ctx.ask("theme", ctx.t._("What is your experience about? Choose a theme."), theme_choices(ctx))

    async def on_theme(self, ctx: Context) -> None:
        if ctx.incoming.choice not in THEMES:
            ctx.ask("theme", ctx.t._("Please choose a theme from the list, or type its number."),
                    theme_choices(ctx))
            return
        ctx.data["theme"] = ctx.incoming.choice
        if ctx.data.get("editing"):
            await self._summary(ctx)
            return
        self._ask_story(ctx)

    def _ask_story(self, ctx: Context) -> None:
        if ctx.data.get("story"):  # changing it: show what they wrote, to copy and change
            ctx.ask("story", ctx.t._("Send your story again, changed. This is what you wrote:\n\n{story}",
                                     story=ctx.data["story"]))
            return
        ctx.ask("story", ctx.t._("Tell us in your own words what you experience. What happened, and what does "
                                 "it mean for you? Please do not write names, phone numbers or house numbers."))

    async def on_story(self, ctx: Context) -> None:
        text = (ctx.incoming.text or "").strip()
        sharing = ctx.services.config.sharing
        photo = self._photo_with_story(ctx)
        if not text:
            ctx.ask("story", ctx.t._("Thank you for the photo. Now please write your story as text.") if photo
                    else ctx.t._("Please write your story as text."))
            return
        if not any(char.isalpha() for char in text):  # emoji, digits or signs only
            ctx.ask("story", ctx.t._("Please tell your story in words, so that others can understand it."))
            return
        if len(text) < sharing.min_length:
            ctx.ask("story", ctx.t._("Could you tell us a bit more? Please write at least {minimum} characters.",
                                     minimum=sharing.min_length))
            return
        if len(text) > sharing.max_length:
            ctx.ask("story", ctx.t._("Your story has {length} characters; the maximum is {maximum}. Please make "
                                     "it shorter and send it again.", length=ctx.t.number(len(text)),
                                     maximum=ctx.t.number(sharing.max_length)))
            return
        ctx.data["story"] = text
        if ctx.data.get("editing"):
            await self._summary(ctx)
            return
        ctx.ask("place", ctx.t._("Where is this? Type a street or a spot (no house number), or choose Skip."),
                skip_choice(ctx))

    @staticmethod
    def _photo_with_story(ctx: Context) -> bool:
        """A photo sent with the story as its caption is kept, so the photo question is not asked later."""
        attachment = ctx.incoming.attachment
        if (attachment is None or attachment.kind is not AttachmentKind.PHOTO or not attachment.ref
                or ctx.incoming.actor.channel not in ctx.services.photo_channels):
            return False
        if _wrong_type(attachment) or _too_large(attachment):
            ctx.say(ctx.t._("I could not keep this photo: I accept JPEG, PNG or WebP up to {megabytes} MB. You "
                            "can send another one later.", megabytes=MAX_PHOTO_BYTES // 2**20))
            return False
        ctx.data["photo"] = attachment.ref
        return True

    async def on_place(self, ctx: Context) -> None:
        attachment = ctx.incoming.attachment
        if ctx.incoming.choice == "skip":
            ctx.data["place"] = None
        elif attachment is not None and attachment.kind is AttachmentKind.LOCATION:
            assert attachment.latitude is not None and attachment.longitude is not None
            ctx.data["place"] = experiences.coarse_location(attachment.latitude, attachment.longitude)
            ctx.say(ctx.t._("Thank you. We only keep the rough area, not the exact spot."))
        elif ctx.incoming.text and ctx.incoming.text.strip():
            place, trimmed = experiences.clean_place_hint(ctx.incoming.text)
            if not place:
                ctx.ask("place", ctx.t._("Please type a street or a spot without a house number, or choose "
                                         "Skip."), skip_choice(ctx))
                return
            ctx.data["place"] = place
            if trimmed:
                ctx.say(ctx.t._("I left out the house number and other personal details. I noted: {place}",
                                place=place))
        else:
            ctx.ask("place", ctx.t._("Please type a street or a spot, or choose Skip."), skip_choice(ctx))
            return
        if ctx.incoming.actor.channel in ctx.services.photo_channels and not ctx.data.get("photo"):
            ctx.ask("photo", ctx.t._("Do you want to add a photo? Send it now, or choose Skip."), skip_choice(ctx))
            return
        self._ask_attribution(ctx)

    async def on_photo(self, ctx: Context) -> None:
        attachment = ctx.incoming.attachment
        if ctx.incoming.choice == "skip":
            ctx.data["photo"] = None
        elif attachment is not None and attachment.kind is AttachmentKind.PHOTO and attachment.ref:
            if _wrong_type(attachment):
                ctx.ask("photo", ctx.t._("I can only accept photos (JPEG, PNG or WebP). Send another photo, or "
                                         "choose Skip."), skip_choice(ctx))
                return
            if _too_large(attachment):
                ctx.ask("photo", ctx.t._("This photo is too large (at most {megabytes} MB). Send a smaller "
                                         "photo, or choose Skip.", megabytes=MAX_PHOTO_BYTES // 2**20),
                        skip_choice(ctx))
                return
            ctx.data["photo"] = attachment.ref
        else:
            ctx.ask("photo", ctx.t._("Please send a photo, or choose Skip."), skip_choice(ctx))
            return
        self._ask_attribution(ctx)

    def _ask_attribution(self, ctx: Context) -> None:
        ctx.ask("attribution", ctx.t._("If your story is published, how may we show it?"), (
            Choice("anonymous", ctx.t._("Anonymous")),
            Choice("first_name", ctx.t._("With my first name")),
        ))

    async def on_attribution(self, ctx: Context) -> None:
        if ctx.incoming.choice == "anonymous":
            ctx.data["name"] = None
            await self._summary(ctx)
        elif ctx.incoming.choice == "first_name":
            ctx.ask("name", ctx.t._("Which first name may we use?"))
        else:
            self._ask_attribution(ctx)

    async def on_name(self, ctx: Context) -> None:
        name = " ".join((ctx.incoming.text or "").split())
        if not (1 <= len(name) <= 30 and _FIRST_NAME.match(name)):
            ctx.ask("name", ctx.t._("Please type only a first name, in letters (at most 30)."))
            return
        ctx.data["name"] = name
        await self._summary(ctx)

    async def _summary(self, ctx: Context) -> None:
        """What will be sent, the story exactly as organisers and the contact person will read it."""
        ctx.data["editing"] = True
        data = ctx.data
        assert ctx.resident is not None  # sharing needs consent, so a resident
        scrubbed = await experiences.public_text(ctx.tx, ctx.services, ctx.resident.neighbourhood_id, data["story"])
        lines = [
            ctx.t._("This is what you are sending:"),
            ctx.t._("Theme: {theme}", theme=ctx.t._(THEMES[data["theme"]])),
            ctx.t._("Your story, as staff of the municipality and the neighbourhood will read it:"),
            scrubbed.text,
            "",
        ]
        kinds = list(dict.fromkeys(f.kind for f in scrubbed.findings))
        if kinds:
            lines.append(ctx.t._("Removed to protect you: {kinds}",
                                 kinds=", ".join(ctx.t._(SCRUB_KIND_NAMES.get(k, k)) for k in kinds)))
        if scrubbed.flagged:
            names = ", ".join(dict.fromkeys(f.original for f in scrubbed.flagged))
            lines.append(ctx.t._("This may be a name: {names}. Others will read it. Do you want to change it?",
                                 names=names))
        lines += [
            ctx.t._("Names are not always removed. Please leave out the names of people."),
            ctx.t._("Place: {place}", place=data.get("place") or ctx.t._("not given")),
        ]
        if data.get("photo"):
            lines.append(ctx.t._("Photo: added"))
        lines.append(ctx.t._("Shown as: {name}", name=data.get("name") or ctx.t._("anonymous")))
        ctx.ask("summary", "\n".join(lines), (
            Choice("send", ctx.t._("Send")),
            Choice("story", ctx.t._("Change my story")),
            Choice("theme", ctx.t._("Change the theme")),
            Choice("cancel", ctx.t._("Do not send")),
        ))

    async def on_summary(self, ctx: Context) -> None:
        choice = ctx.incoming.choice
        if choice == "story":
            self._ask_story(ctx)
        elif choice == "theme":
            ctx.ask("theme", ctx.t._("Choose a theme."), theme_choices(ctx))
        elif choice == "cancel":
            ctx.say(ctx.t._("Your story was not sent."))
            ctx.finish()
        elif choice == "send":
            assert ctx.resident is not None
            data = ctx.data
            experience = await experiences.share(
                ctx.tx, ctx.services, ctx.resident, theme=data["theme"], text=data["story"],
                place_hint=data.get("place"), author_name=data.get("name"), photo_ref=data.get("photo"))
            ctx.finish()
            ctx.say(ctx.t._("Thank you! We have received your story. Your reference is {reference}. Staff of the "
                            "municipality and the neighbourhood read every story, and we will tell you what "
                            "happens with it.",
                            reference=experience.reference))
        else:
            await self._summary(ctx)
