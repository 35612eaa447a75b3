"""What residents and organisers read about polls: announcements, vote receipts, results as a text bar chart.

The bar chart reads well everywhere, also with a screen reader: each line says the option, the number of votes
and the percentage in words and digits first, and only then shows the bar (``▇`` blocks, ten for 100%).

Young people read a youth poll without administrative clutter: no reference (organisers have it in their room),
a short date ("vr 4 dec. om 18:00"), and after closing a thank-you, what happens next (also when too few voted
to show a result) and where they will hear what was done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_skeleton, format_time

from bot.i18n import N_, Translator
from bot.store.polls import PollRecord

BAR, BAR_WIDTH = "▇", 10
CHOSEN = "✓"
STATUS_LABELS = {"scheduled": N_("not open yet"), "open": N_("open"), "closed": N_("closed"),
                 "cancelled": N_("cancelled")}


@dataclass(frozen=True)
class Tally:
    """A poll's counts. ``shown`` is False when a youth poll has fewer voters than the minimum: then no number
    at all may be shown."""

    voters: int
    counts: dict[int, int]
    options: list[tuple[int, str]]
    shown: bool
    minimum: int

    def percent(self, number: int) -> int:
        return round(100 * self.counts.get(number, 0) / self.voters) if self.voters else 0


def moment(t: Translator, value: str | datetime) -> str:
    """'vrijdag 6 maart 2026 18:00' in the reader's language and the municipality's time zone."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    clock = format_time(when, "short", tzinfo=t.timezone, locale=t.locale)
    return t._("{date} at {time}", date=t.date(when, "full"), time=clock)


def short_moment(t: Translator, value: str | datetime) -> str:
    """'vr 4 dec. om 18:00': the weekday and date without the year, for young readers."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    day = format_skeleton("MMMEd", when, tzinfo=t.timezone, locale=t.locale)
    clock = format_time(when, "short", tzinfo=t.timezone, locale=t.locale)
    return t._("{date} at {time}", date=day, time=clock)


def option_label(t: Translator, label: str, chosen: bool) -> str:
    return f"{CHOSEN} {label}" if chosen else label


def audience(t: Translator, poll: PollRecord) -> str:
    return t._("young people aged {band}", band=poll.band) if poll.youth else t._("everyone")


def how_to_vote(t: Translator, poll: PollRecord) -> str:
    if poll.max_selections > 1:
        return t._("You may choose up to {count} options. Tap an option to add or remove it.",
                   count=poll.max_selections)
    return t._("Tap the option you choose.")


def announcement(t: Translator, poll: PollRecord, hoods: list[str]) -> str:
    if poll.youth:
        return "\n".join((t._("A question for young people in {neighbourhoods}: {question}",
                               neighbourhoods=", ".join(hoods), question=poll.question), "", how_to_vote(t, poll),
                          t._("You can vote until {closes}. We only keep your age group, not who you are.",
                              closes=short_moment(t, poll.closes_at))))
    lines = [t._("New poll for {neighbourhoods}: {question}", neighbourhoods=", ".join(hoods), question=poll.question),
             "", how_to_vote(t, poll),
             t._("You can change your vote until {closes}.", closes=moment(t, poll.closes_at))]
    if poll.youth:
        lines.append(t._("This poll is for young people aged {band}. Your vote is stored without your name or chat "
                         "account.", band=poll.band))
    lines.append(t._("Reference: {reference}", reference=poll.reference))
    return "\n".join(lines)


def room_announcement(t: Translator, poll: PollRecord, hood: str, options: list[tuple[int, str]],
                      here: bool) -> str:
    """For a public room (``here``: people can vote in the room itself) or a Telegram group."""
    lines = [t._("New poll for {neighbourhoods}: {question}", neighbourhoods=hood, question=poll.question)]
    lines += [f"{n}. {label}" for n, label in options]
    lines.append(t._("Open until {closes}.", closes=moment(t, poll.closes_at)))
    if poll.youth:
        lines.append(t._("For young people aged {band}: vote in a private chat with me, type /polls. Votes are "
                         "stored without names.", band=poll.band))
    elif here:
        lines.append(t._("Residents of {neighbourhood} can vote here or in a private chat with me (type /polls).",
                         neighbourhood=hood))
    else:
        lines.append(t._("Residents of {neighbourhood} can vote in a private chat with me: type /polls there.",
                         neighbourhood=hood))
    return "\n".join(lines)


def receipt(t: Translator, poll: PollRecord, options: list[tuple[int, str]], chosen: frozenset[int]) -> str:
    labels = ", ".join(label for n, label in options if n in chosen)
    closes = short_moment(t, poll.closes_at) if poll.youth else moment(t, poll.closes_at)
    if not chosen:
        return t._("You have not chosen any option now, so you have not voted. You can vote until {closes}.",
                   closes=closes)
    if poll.max_selections > 1:
        line = t._("Thank you! Your choices: {choices}. Tap an option to add or remove it until {closes}.",
                   choices=labels, closes=closes)
    else:
        line = t._("Thank you! Your vote: {choice}. You can change it until {closes}.", choice=labels, closes=closes)
    if poll.youth:
        line += "\n" + t._("Your vote is stored without your name or chat account.")
    return line


def bars(t: Translator, tally: Tally) -> list[str]:
    """One line per option: words and numbers first, then the bar."""
    lines = []
    for number, label in tally.options:
        votes = tally.counts.get(number, 0)
        percent = tally.percent(number)
        bar = BAR * round(percent * BAR_WIDTH / 100)
        amount = t.n_("{n} vote", "{n} votes", votes)
        lines.append(t._("{option}: {votes} ({percent}%)", option=label, votes=amount, percent=percent)
                     + (f" {bar}" if bar else ""))
    return lines


def too_few(t: Translator, tally: Tally) -> str:
    return t._("Fewer than {minimum} people voted, so no numbers are shown: with so few votes someone could be "
               "recognised.", minimum=tally.minimum)


def youth_ending(t: Translator, shown: bool) -> list[str]:
    """What young voters read last: thanks, what happens next, and where they will hear what was done."""
    lines = ["", t._("Thank you for voting!")]
    if not shown:
        lines.append(t._("With so few votes there is no result we can show, not even to the municipality. Do you "
                         "still want to be heard on this? Type /share and tell it in your own words."))
    lines.append(t._("You will hear here in this chat what is done with it, as soon as the municipality decides. "
                     "To be sure you get it, choose \"{follow}\" in /settings.",
                     follow=t._("Follow the whole neighbourhood")))
    return lines


def results(t: Translator, poll: PollRecord, tally: Tally, comparison: list[str], room: bool = False) -> str:
    """The results for a resident in their own chat, or (``room``) for a moderation or public room or group, with
    the reference and the audience. Young people in their own chat read the short version with what comes next."""
    young = poll.youth and not room
    if young:
        lines = [t._("The results are in: {question}", question=poll.question)]
    else:
        lines = [t._("Results of the poll {reference}: {question}", reference=poll.reference,
                     question=poll.question)]
    if poll.youth and not young:
        lines.append(t._("A poll for young people aged {band}.", band=poll.band))
    if not tally.shown:
        lines.append(too_few(t, tally))
        return "\n".join(lines + (youth_ending(t, shown=False) if young else []))
    lines.append(t.n_("{n} person voted.", "{n} people voted.", tally.voters))
    if poll.max_selections > 1:
        lines.append(t._("People could choose more than one option, so the percentages add up to more than 100."))
    lines += ["", *bars(t, tally)]
    if comparison:
        lines += ["", *comparison]
    if young:
        return "\n".join(lines + youth_ending(t, shown=True))
    lines += ["", t._("Thank you for voting. The municipality uses the result in its plans.")]
    return "\n".join(lines)


def alt_text(t: Translator, poll: PollRecord, tally: Tally) -> str:
    parts = [t._("{option} {votes}, {percent}%", option=label, votes=t.n_("{n} vote", "{n} votes",
                                                                          tally.counts.get(n, 0)),
                 percent=tally.percent(n)) for n, label in tally.options]
    return t._("Bar chart of the poll '{question}', {voters}: {parts}.", question=poll.question,
               voters=t.n_("{n} person voted", "{n} people voted", tally.voters), parts="; ".join(parts))


def comparison(t: Translator, band: str, youth_tally: Tally, others_tally: Tally) -> list[str]:
    """Youth and everyone side by side, option by option (matched by their text)."""
    lines = [t._("Young people ({band}) and everyone, on the same question:", band=band)]
    theirs = {label.casefold(): n for n, label in others_tally.options}
    for number, label in youth_tally.options:
        other = theirs.get(label.casefold())
        if other is None:
            continue
        lines.append(t._("{option}: young people {youth}%, everyone {everyone}%", option=label,
                         youth=youth_tally.percent(number), everyone=others_tally.percent(other)))
    return lines if len(lines) > 1 else []


def room_note(t: Translator, poll: PollRecord, what: str, count: int) -> str:
    if what == "opened":
        return t.n_("The poll {reference} is open now; {n} resident will hear of it.",
                    "The poll {reference} is open now; {n} residents will hear of it.", count,
                    reference=poll.reference)
    return t._("The poll {reference} was cancelled. Votes are not counted.", reference=poll.reference)


def cancelled(t: Translator, poll: PollRecord) -> str:
    return t._("The poll '{question}' ({reference}) was cancelled. Votes are not counted. Sorry for the bother.",
               question=poll.question, reference=poll.reference)


def listing_line(t: Translator, poll: PollRecord, voters: int | None) -> str:
    """One poll in !polls: reference, status, question, audience, times and the number of voters so far."""
    status = t._(STATUS_LABELS[poll.status])
    count = t.n_("{n} voter", "{n} voters", voters) if voters is not None else t._("too few voters to show")
    return t._("• {reference} · {status} · {question} · for {audience} · {opens} – {closes} · {count}",
               reference=poll.reference, status=status, question=poll.question, audience=audience(t, poll),
               opens=moment(t, poll.opens_at), closes=moment(t, poll.closes_at), count=count)

