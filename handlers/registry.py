"""Every organisers' command, declared once: its name, Dutch aliases, how it is typed, who may use it and which
handler runs it. The dialogue's routing table comes from here; tests/handlers/test_registry.py checks that every
command is in ``!help`` and in the README's organiser tables. Reactions on posts are routed by the kind of post
(``REACTIONS``), not tried feature after feature."""

from __future__ import annotations

from bot.dialogue import Context, Handler
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

C = RoomCommand
ROOM_COMMANDS: tuple[RoomCommand, ...] = (
    C("approve", ("goedkeuren",), "REF", moderation.approve, "Moderation"),
    C("reject", ("afwijzen",), "REF reason", moderation.reject, "Moderation"),
    C("edit", ("bewerken",), "REF new text", moderation.edit, "Moderation"),
    C("theme", ("thema",), "REF theme", moderation.theme, "Moderation"),
    C("queue", ("wachtrij",), "", moderation.queue, "Moderation"),
    C("log", ("logboek",), "REF", moderation.log, "Moderation"),
    C("help", ("hulp",), "", moderation.help_, "Moderation", who="anyone in the room"),
    C("feedback", ("terugkoppeling",), "REF … | status | what | because [| date]", feedback.feedback_command,
      "Feedback"),
    C("update", ("bijwerken",), "F-REF | status | what | because", feedback.update_command, "Feedback"),
    C("overdue", ("achterstand",), "", feedback.overdue_command, "Feedback"),
    C("heard", ("gehoord",), "", feedback.heard_command, "Feedback"),
    C("cancel", ("stop",), "", feedback.cancel_room_flow, "Feedback", who="the organiser in the form"),
    C("poll", ("peiling",), "\"Question?\" | option | option | closes …", polls_rooms.poll_command, "Polls"),
    C("polls", ("peilingen",), "", polls_rooms.polls_command, "Polls"),
    C("count", ("telling", "tel"), "P-REF", polls_rooms.count_command, "Polls"),
    C("extend", ("verleng", "verlengen"), "P-REF time", polls_rooms.extend_command, "Polls"),
    C("close-poll", ("closepoll", "sluit-peiling", "sluitpeiling"), "P-REF", polls_rooms.close_command, "Polls"),
    C("cancel-poll", ("cancelpoll", "annuleer-peiling", "annuleerpeiling"), "P-REF", polls_rooms.cancel_command,
      "Polls"),
    C("deliberate", ("praatmee",), "\"Question?\" | statement | statement", deliberation_rooms.open_command,
      "Deliberation"),
    C("deliberations", ("gesprekken",), "", deliberation_rooms.list_command, "Deliberation"),
    C("deliberation", ("gesprek",), "D-REF", deliberation_rooms.overview_command, "Deliberation"),
    C("close-deliberation", ("sluit", "sluit-gesprek"), "D-REF", deliberation_rooms.close_command, "Deliberation"),
    C("recompute", ("herbereken",), "D-REF", deliberation_rooms.recompute_command, "Deliberation"),
    C("approve-statement", ("stelling-goedkeuren",), "S-REF", deliberation_rooms.approve_command, "Deliberation"),
    C("reject-statement", ("stelling-afwijzen",), "S-REF reason", deliberation_rooms.reject_command,
      "Deliberation"),
    C("contact", ("contactpersoon", "contactpersonen"), "list | add | end | handover …",
      contacts_rooms.contact_command, "Contact persons"),
    C("continuity", ("continuiteit", "continuïteit"), "", contacts_rooms.continuity_command, "Contact persons"),
    C("report", ("rapport",), "[from to]", report_rooms.report_, "Report back"),
    C("professional", ("professionals",), "list | add | end …", professionals_rooms.professional_command,
      "Professionals"),
    C("observation", ("observatie",), "theme | what you notice", professionals_rooms.observation_command,
      "Professionals", who="professionals"),
    C("picture", ("wijkbeeld",), "[from to]", professionals_rooms.picture_command, "Professionals",
      who="moderators, professionals"),
    C("signals", ("signalen",), "", professionals_rooms.signals_command, "Professionals",
      who="moderators, professionals"),
    C("ack", ("bevestig",), "SIG-REF note", professionals_rooms.ack_command, "Professionals",
      who="moderators, professionals"),
    C("request", ("verzoek",), "what is needed | why", professionals_rooms.request_command, "Professionals",
      who="professionals"),
    C("answer-request", ("verzoek-antwoord",), "RQ-REF | status | what | because [| date]",
      professionals_rooms.answer_request_command, "Professionals"),
    C("check", ("toets",), "theme | question? | option | option", professionals_rooms.check_command,
      "Professionals", who="professionals"),
    C("approve-check", ("toets-goedkeuren",), "CQ-REF", professionals_rooms.approve_check_command,
      "Professionals"),
    C("reject-check", ("toets-afwijzen",), "CQ-REF reason", professionals_rooms.reject_check_command,
      "Professionals"),
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
