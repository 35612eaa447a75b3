"""The commands residents can type, with Dutch aliases. Channels publish the menu from this list."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, Translator
from handlers.rooms import words_table


@dataclass(frozen=True)
class Command:
    name: str
    flow: str
    description: str  # msgid, translated per person
    aliases: tuple[str, ...] = ()
    in_menu: bool = True


COMMANDS: tuple[Command, ...] = (
    Command("start", "start", N_("Start, or choose your neighbourhood"), ("begin",)),
    Command("share", "share", N_("Share an experience"), ("delen", "vertel")),
    Command("deliberate", "deliberate", N_("Join a neighbourhood conversation"), ("praatmee",)),
    Command("polls", "polls", N_("Vote in neighbourhood polls"), ("peilingen", "stemmen")),
    Command("menu", "menu", N_("What can I do?"), ()),
    Command("status", "status", N_("What happened with your stories"), ("mijnverhalen",)),
    Command("contact", "contact", N_("Your contact person in the neighbourhood"), ("contactpersoon",)),
    Command("settings", "settings", N_("How often and when you hear from us"), ("instellingen",)),
    Command("mydata", "mydata", N_("See everything we store about you"), ("mijngegevens",)),
    Command("forget", "forget", N_("Erase your data"), ("vergeet", "wissen")),
    Command("privacy", "privacy", N_("How we handle your data"), ("privacyverklaring",)),
    Command("language", "language", N_("Choose your language"), ("taal",)),
    Command("help", "help", N_("Help and explanation"), ("hulp",)),
    Command("cancel", "cancel", N_("Stop what you are doing"), ("stop", "annuleer")),
    Command("reply", "contact-reply", N_("Answer a resident (for contact persons)"), ("antwoord",), in_menu=False),
)


def command_table() -> dict[str, str]:
    """Every command word and alias -> flow name."""
    return words_table(((command.name, *command.aliases), command.flow) for command in COMMANDS)


def translated_menu(languages: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    """language -> [(command, translated description)] for platform command menus (Telegram setMyCommands)."""
    menu: dict[str, list[tuple[str, str]]] = {}
    for language in languages:
        t = Translator(language)
        menu[language] = [(c.name, t._(c.description)) for c in COMMANDS if c.in_menu]
    return menu
