"""Every organisers' command, declared once: its name, aliases (the Dutch name first), how it is typed, its line in
``!help``, who may use it and which handler runs it. The dialogue's routing table, ``!help`` and the README's
organiser table all come from here (tests/handlers/test_registry.py). Reactions on posts are routed by the kind
of post (``REACTIONS``), not tried feature after feature."""

from __future__ import annotations

from bot.dialogue import Context, Handler
from bot.engine import moderation_reasons
from bot.i18n import N_, Translator
from handlers import (
    contacts_rooms,
    deliberation_rooms,
    feedback,
    moderation,
    polls_rooms,
    professionals_rooms,
    report_rooms,
)
from handlers.rooms import RoomCommand, words_table

# The sections of !help, in this order; a command's ``feature`` names one (and the README section explaining it).
SECTIONS = (N_("Moderation"), N_("Feedback"), N_("Polls"), N_("Deliberation"), N_("Contact persons"),
            N_("Report back"), N_("Professionals"))

def help_text(t: Translator) -> str:
    """``!help``, from the registry: each command under its section, in the room's language; in a Dutch room with
    the Dutch command names (the English ones listed at the end), elsewhere the other way round."""
    dutch = t.language == "nl"
    lines: list[str] = []
    for section in SECTIONS:
        lines += ["", t._(section)] if lines else [t._(section)]
        for command in (c for c in ROOM_COMMANDS if c.feature == section):
            typed = " ".join(("!" + command.spoken(t.language), *([t._(command.args)] if command.args else [])))
            lines.append(t._("{command} – {explanation}", command=typed, explanation=t._(command.help)))
    others = ", ".join("!" + command.spoken("en" if dutch else "nl") for command in ROOM_COMMANDS)
    lines += ["", t._("English works too: {commands}", commands=others) if dutch
              else t._("Dutch works too: {commands}", commands=others)]
    lines += ["", t._("Reasons for !reject (the number or the word, then if you like your own words for the "
                      "author; the report back counts them):"), moderation_reasons.choices(t)]
    return "\n".join(lines)


async def help_command(ctx: Context) -> None:
    ctx.say(help_text(ctx.t))


C = RoomCommand
ROOM_COMMANDS: tuple[RoomCommand, ...] = (
    C("approve", ("goedkeuren",), N_("REF"), moderation.approve, "Moderation",
      N_("publish a story (or react ✅)")),
    C("reject", ("afwijzen",), N_("REF reason [your words]"), moderation.reject, "Moderation",
      N_("do not publish; the author hears the reason (see below) and your words (or react 🚫)")),
    C("edit", ("bewerken",), N_("REF new text"), moderation.edit, "Moderation", N_("change the public text")),
    C("theme", ("thema",), N_("REF theme"), moderation.theme, "Moderation", N_("change the theme")),
    C("queue", ("wachtrij",), "", moderation.queue, "Moderation", N_("stories waiting for a decision")),
    C("log", ("logboek",), N_("REF"), moderation.log, "Moderation", N_("who decided what, when and why")),
    C("help", ("hulp",), "", help_command, "Moderation", N_("this list"),
      who="anyone in the room"),
    C("feedback", ("terugkoppeling",), N_("REF … | status | what | because [| date]"), feedback.feedback_command,
      "Feedback", N_("tell residents what was done and why; typed on its own, it asks step by step")),
    C("update", ("bijwerken",), N_("F-REF | status | what | because"), feedback.update_command, "Feedback",
      N_("a new step in earlier feedback")),
    C("overdue", ("achterstand",), "", feedback.overdue_command, "Feedback",
      N_("stories still without feedback")),
    C("heard", ("gehoord",), "", feedback.heard_command, "Feedback", N_("whether residents felt heard, per theme")),
    C("cancel", ("stop",), "", feedback.cancel_room_flow, "Feedback", N_("stop the step-by-step form"),
      who="the organiser in the form"),
    C("poll", ("peiling",), N_("\"Question?\" | option | option | closes …"), polls_rooms.poll_command, "Polls",
      N_("open a poll; typed on its own, it asks step by step")),
    C("polls", ("peilingen",), "", polls_rooms.polls_command, "Polls", N_("the polls of this room")),
    C("count", ("telling", "tel"), N_("P-REF"), polls_rooms.count_command, "Polls",
      N_("the votes so far, for organisers only")),
    C("extend", ("verleng", "verlengen"), N_("P-REF time"), polls_rooms.extend_command, "Polls",
      N_("close a poll at a later time")),
    C("close-poll", ("sluit-peiling", "sluitpeiling", "closepoll"), N_("P-REF"), polls_rooms.close_command, "Polls",
      N_("close a poll now and publish the result")),
    C("cancel-poll", ("annuleer-peiling", "annuleerpeiling", "cancelpoll"), N_("P-REF"), polls_rooms.cancel_command,
      "Polls", N_("cancel a poll without a result")),
    C("deliberate", ("praatmee",), N_("\"Question?\" | statement | statement"), deliberation_rooms.open_command,
      "Deliberation", N_("open a neighbourhood conversation")),
    C("deliberations", ("gesprekken",), "", deliberation_rooms.list_command, "Deliberation",
      N_("the conversations of this room")),
    C("deliberation", ("gesprek",), N_("D-REF"), deliberation_rooms.overview_command, "Deliberation",
      N_("the groups, the common ground and what divides")),
    C("close-deliberation", ("sluit-gesprek", "sluit"), N_("D-REF"), deliberation_rooms.close_command,
      "Deliberation", N_("close a conversation; every participant gets a summary")),
    C("recompute", ("herbereken",), N_("D-REF"), deliberation_rooms.recompute_command, "Deliberation",
      N_("work out the groups again now")),
    C("approve-statement", ("stelling-goedkeuren",), N_("S-REF"), deliberation_rooms.approve_command,
      "Deliberation", N_("show a statement to residents (or react ✅)")),
    C("reject-statement", ("stelling-afwijzen",), N_("S-REF reason"), deliberation_rooms.reject_command,
      "Deliberation", N_("do not show a statement; the author hears the reason")),
    C("contact", ("contactpersoon", "contactpersonen"), N_("list | add | end | handover …"),
      contacts_rooms.contact_command, "Contact persons", N_("the contact persons; !contact help explains more")),
    C("continuity", ("continuiteit", "continuïteit"), "", contacts_rooms.continuity_command, "Contact persons",
      N_("how long contact persons stay, and handovers")),
    C("report", ("rapport",), N_("[from to]"), report_rooms.report_, "Report back",
      N_("the report back as files (HTML and PDF): last month, or between two dates")),
    C("professional", ("beroepskracht", "professionals"), N_("list | add | end …"),
      professionals_rooms.professional_command, "Professionals",
      N_("the professionals and their roles; add [id] | name | role | @account:server; end PR-3")),
    C("observation", ("observatie",), N_("theme | what you notice"), professionals_rooms.observation_command,
      "Professionals", N_("in the professionals' room: a pattern you notice, never about one person"),
      who="professionals"),
    C("picture", ("wijkbeeld",), N_("[from to]"), professionals_rooms.picture_command, "Professionals",
      N_("the neighbourhood picture: last week, or between two dates"), who="moderators, professionals"),
    C("signals", ("signalen",), "", professionals_rooms.signals_command, "Professionals",
      N_("early signals of the last 12 weeks"), who="moderators, professionals"),
    C("ack", ("bevestig",), N_("SIG-REF note"), professionals_rooms.ack_command, "Professionals",
      N_("acknowledge a signal with what you will do"), who="moderators, professionals"),
    C("request", ("verzoek",), N_("what is needed | why"), professionals_rooms.request_command, "Professionals",
      N_("in the professionals' room: ask the municipality for what you need to act"), who="professionals"),
    C("answer-request", ("verzoek-antwoord",), N_("RQ-REF | status | what | because [| date]"),
      professionals_rooms.answer_request_command, "Professionals",
      N_("answer a professional's request; a promised date is followed up as with feedback")),
    C("check", ("toets",), N_("theme | question? | option | option"), professionals_rooms.check_command,
      "Professionals", N_("in the professionals' room: propose a short question for residents"),
      who="professionals"),
    C("approve-check", ("toets-goedkeuren",), N_("CQ-REF"), professionals_rooms.approve_check_command,
      "Professionals", N_("send a check question to residents who want questions from professionals")),
    C("reject-check", ("toets-afwijzen",), N_("CQ-REF reason"), professionals_rooms.reject_check_command,
      "Professionals", N_("do not send a check question; the professionals hear the reason")),
)


def room_table() -> dict[str, Handler]:
    """Every command word and alias -> its handler (for ``Dialogue(room_commands=...)``)."""
    return words_table((command.words, command.handler) for command in ROOM_COMMANDS)


async def reaction(ctx: Context) -> None:
    """A reaction on a post in a moderation room, routed by the kind of post it is on: a statement's post goes to
    the deliberation, anything else to the stories' moderation (which ignores posts that show no story here)."""
    statement = await deliberation_rooms.statement_reacted_to(ctx)
    if statement is not None:
        await deliberation_rooms.reaction(ctx, statement)
    else:
        await moderation.reaction(ctx)


def readme_table() -> str:
    """The README's table of organisers' commands (between its ``organiser-commands`` markers), generated from
    the registry; tests/handlers/test_registry.py fails when the README differs."""
    lines = ["| command | Dutch and other aliases | typed as | who | explained in |", "|---|---|---|---|---|"]
    for command in ROOM_COMMANDS:
        aliases = ", ".join(f"`!{alias}`" for alias in command.aliases)
        args = f"`{command.args}`".replace("|", "\\|") if command.args else ""
        lines.append(f"| `!{command.name}` | {aliases} | {args} | {command.who} | *{command.feature}* |")
    return "\n".join(lines)
