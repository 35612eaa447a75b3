"""Deliberation, the words: invitations, moderation posts, and the summaries residents and organisers read.

Pure functions from stored values to translated text; the caller picks the Translator (the resident's own
language, or the organisers' language for moderation rooms). Groups below MIN_GROUP_SIZE never appear here:
the snapshot does not contain them (bot/engine/deliberation_snapshot.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.engine.deliberation_math import GroupView, ParticipantSummary, StatementView
from bot.engine.deliberation_snapshot import Snapshot
from bot.engine.moderation import SCRUB_KIND_NAMES
from bot.i18n import N_, Translator
from bot.store.deliberations import Deliberation, Statement

STATUS = {"open": N_("open"), "closed": N_("closed")}
SHOWN_PER_LIST = 5


def invitation(t: Translator, d: Deliberation, neighbourhood: str) -> str:
    return "\n".join([
        t._("A neighbourhood conversation has started in {neighbourhood}:", neighbourhood=neighbourhood),
        "",
        d.question,
        "",
        t._("You get short statements from neighbours. For each one you say if you agree, disagree or pass. "
            "Together we see where the neighbourhood agrees and where opinions differ. It takes a few minutes."),
        t._("Nobody sees how you voted. We only show results of groups of at least 5 people."),
    ])


def intro(t: Translator, d: Deliberation) -> str:
    return "\n".join([
        t._("Neighbourhood conversation {reference}:", reference=d.reference),
        d.question,
        "",
        t._("You get a few statements at a time. Do you agree, disagree, or do you pass? Nobody sees how you "
            "voted. Type /stop to stop at any time."),
    ])


def statement_question(t: Translator, number: int, total: int, text: str) -> str:
    return "\n".join([t._("Statement {number} of {total}:", number=number, total=total), "", f"“{text}”"])


def kinds(t: Translator, scrubbed_kinds: str) -> str:
    return ", ".join(t._(SCRUB_KIND_NAMES.get(k, k)) for k in scrubbed_kinds.split(",") if k)


def moderation_post(t: Translator, d: Deliberation, s: Statement) -> str:
    lines = [t._("New statement {statement} for {reference}: {question}", statement=s.reference,
                 reference=d.reference, question=d.question), "", f"“{s.text}”", ""]
    if s.scrubbed_kinds:
        lines.append(t._("Removed before you saw it: {kinds}", kinds=kinds(t, s.scrubbed_kinds)))
    lines.append(t._("Nobody else sees it before a moderator approves it. React with ✅ to approve or 🚫 to "
                     "reject; or type !approve-statement {statement} or !reject-statement {statement} reason.",
                     statement=s.reference))
    return "\n".join(lines)


def decision(t: Translator, s: Statement, approved: bool, reason: str | None) -> str:
    if approved:
        return t._("Good news: your statement “{text}” has been approved. Neighbours now see it and can vote on it.",
                   text=s.text)
    return t._("Your statement “{text}” will not be shown to others. The reason: {reason}", text=s.text,
               reason=reason or "")


def _percent(share: float) -> int:
    return round(share * 100)


def _view_line(t: Translator, view: StatementView, text: str) -> str:
    if view.agree >= view.disagree:
        return t._("• {statement}: {percent}% agree", statement=text, percent=_percent(view.agree))
    return t._("• {statement}: {percent}% disagree", statement=text, percent=_percent(view.disagree))


def _group_lines(t: Translator, group: GroupView, texts: Mapping[int, str]) -> list[str]:
    return [_view_line(t, view, texts[view.statement]) for view in group.views[:SHOWN_PER_LIST]
            if view.statement in texts]


def resident_summary(t: Translator, d: Deliberation, snapshot: Snapshot, summary: ParticipantSummary,
                     texts: Mapping[int, str]) -> str:
    """Common ground, what divides, and "how your group sees it" (only for a group of 5 or more)."""
    lines = [t._("Results of the neighbourhood conversation {reference}:", reference=d.reference), d.question,
             t.n_("{n} neighbour took part.", "{n} neighbours took part.", snapshot.participants)]
    ground = [s for s in summary.common_ground if s in texts]
    divides = [s for s in summary.divisive if s in texts]
    if ground:
        lines += ["", t._("Most people in every group agree with:")] + [f"• {texts[s]}" for s in ground]
    if divides:
        lines += ["", t._("This divides the neighbourhood:")] + [f"• {texts[s]}" for s in divides]
    if not ground and not divides:
        lines += ["", t._("There is no clear common ground or division yet.")]
    lines.append("")
    if summary.your_group is not None:
        lines.append(t._("How your group sees it ({size} people who vote like you):", size=summary.your_group.size))
        lines += _group_lines(t, summary.your_group, texts)
    else:
        lines.append(t._("We do not show an opinion group for you: you voted on few statements, or your group is "
                         "too small to show without revealing how neighbours voted."))
    return "\n".join(lines)


def organiser_overview(t: Translator, d: Deliberation, neighbourhood: str, snapshot: Snapshot | None,
                       statements: list[Statement], counts: Mapping[str, int], computed_at: datetime | None,
                       every_minutes: int) -> str:
    """The organisers' overview: numbers, common ground, divisive statements, groups of 5+, what waits."""
    texts = {s.id: f"{s.reference} {s.text}" for s in statements}
    lines = [f"{d.reference} · {neighbourhood} · {t._(STATUS.get(d.status, d.status))}",
             t._("Question: {question}", question=d.question),
             t._("Participants: {participants} · votes: {votes} · statements: {approved} · waiting for moderation: "
                 "{pending}", participants=counts["participants"], votes=counts["votes"],
                 approved=counts["approved"], pending=counts["pending"])]
    if snapshot is None or computed_at is None:
        lines.append(t._("No results yet: they are worked out every {minutes} minutes.", minutes=every_minutes))
    else:
        lines.append(t._("Results of {time}: {shown} opinion groups shown, {hidden} too small to show (fewer than "
                         "5 people).", time=t.datetime(computed_at, "short"), shown=len(snapshot.overview.groups),
                         hidden=snapshot.hidden_groups))
        board = snapshot.overview
        if board.common_ground:
            lines += ["", t._("Common ground (most people in every group agree):")]
            for s in board.common_ground:
                share = snapshot.agree_share(s)
                lines.append(t._("• {statement} ({percent}% agree)", statement=texts.get(s, f"S-{s}"),
                                 percent=_percent(share or 0.0)))
        if board.divisive:
            lines += ["", t._("What divides the groups:")] + [f"• {texts.get(s, f'S-{s}')}" for s in board.divisive]
        for letter, group in zip("ABCDE", board.groups, strict=False):
            lines += ["", t._("Group {letter} ({size} people):", letter=letter, size=group.size)]
            lines += [_view_line(t, view, texts.get(view.statement, f"S-{view.statement}"))
                      for view in group.views[:SHOWN_PER_LIST]]
    waiting = [s for s in statements if s.status == "pending"]
    if waiting:
        lines += ["", t._("Waiting for moderation:")] + [f"• {s.reference} “{s.text}”" for s in waiting]
    return "\n".join(lines)
