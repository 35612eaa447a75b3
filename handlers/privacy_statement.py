"""/privacy (Dutch alias /privacyverklaring): the municipality's privacy statement from ``[privacy]``, readable by
anyone at any time, before /start too (reading it needs no consent and stores nothing). The consent question of
onboarding is built from the same sentences, so both always say the same."""

from __future__ import annotations

from bot.config import Privacy
from bot.dialogue import Context, Flow
from bot.i18n import Translator


def readers_and_removed(t: Translator, privacy: Privacy) -> str:
    """Who reads every story, and what is taken out before they do."""
    return " ".join((
        t._("Staff of {controller} and neighbourhood workers, including the contact person of your neighbourhood, "
            "read every story.", controller=privacy.controller),
        t._("Before they do, we remove phone numbers, e-mail addresses, BSNs, bank account numbers (IBAN), house "
            "numbers, postcodes with a house number, licence plates, social media accounts (@name), dates of "
            "birth, and names where the text clearly shows it is a person. Other names are not always removed, "
            "so please do not write names."),
    ))


def use_and_retention(t: Translator, privacy: Privacy) -> str:
    """What the data is used for, how long it is kept, and the resident's commands."""
    return " ".join((
        t._("{controller} uses this only to improve the neighbourhood and never sells it.",
            controller=privacy.controller),
        t.n_("If you do not use the bot for {n} month, we erase your data.",
             "If you do not use the bot for {n} months, we erase your data.", privacy.retention_months),
        t._("You can see your data with /mydata and erase it with /forget."),
    ))


def statement(t: Translator, privacy: Privacy) -> str:
    return "\n\n".join((
        t._("How we handle your data"),
        t._("We store your language, your neighbourhood, your chat account and the settings you choose, so we can "
            "answer you, and the stories you share and your votes. We store nothing before you agree."),
        readers_and_removed(t, privacy),
        use_and_retention(t, privacy),
        t._("Responsible: {controller}\nQuestions: {contact}\nFull privacy statement: {url}",
            controller=privacy.controller, contact=privacy.contact, url=privacy.statement_url),
    ))


class PrivacyFlow(Flow):
    name = "privacy"
    needs_resident = False

    async def start(self, ctx: Context) -> None:
        text = statement(ctx.t, ctx.services.config.privacy)
        if ctx.resident is None:
            text += "\n\n" + ctx.t._("Type /start when you want to begin.")
        ctx.say(text)
        ctx.finish()
