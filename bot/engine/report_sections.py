"""The report's sections, in reading order: a B1 summary first, then the figures, then how privacy is kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from babel import Locale
from babel.lists import format_list

from bot.engine import report_professionals
from bot.engine.moderation_reasons import REASONS
from bot.engine.report_document import (
    CHANNELS,
    FEEDBACK_STATUS,
    LANGUAGES,
    MEASURES,
    STATES,
    Bar,
    Block,
    Chart,
    Document,
    Heading,
    Items,
    Paragraph,
    QuoteBlock,
    Table,
    cell,
    theme_name,
)
from bot.engine.report_model import ALL, PERIODS, Figure, Report
from bot.engine.report_privacy import FEWER
from bot.i18n import Translator


def build(report: Report, t: Translator) -> Document:
    place = _and(t, [name for _, name in report.neighbourhoods])
    doc = Document(t._("Report back: {neighbourhoods}", neighbourhoods=place), report.language)
    doc.blocks.append(Heading(1, doc.title))
    before_end = report.start.fromordinal(report.start.toordinal() - 1)
    doc.blocks.append(Paragraph(t._("{municipality}, {start} to {end}. Compared with {previous_start} to "
                                    "{previous_end}.", municipality=report.municipality,
                                    start=t.date(report.start), end=t.date(report.end),
                                    previous_start=t.date(report.previous_start), previous_end=t.date(before_end))))
    names = dict(report.neighbourhoods)
    for made_at in sorted({made_at for _, _, made_at in report.repeated}):
        shown = []
        for period, (start, end) in (("current", (report.start, report.end)),
                                     ("previous", (report.previous_start, before_end))):
            areas = [names.get(h, h) for h, p, m in report.repeated if (p, m) == (period, made_at)]
            if areas:
                shown.append(t._("{areas} from {start} to {end}", areas=_and(t, areas), start=t.date(start),
                                 end=t.date(end)))
        doc.blocks.append(Paragraph(t._("Some numbers were already in an earlier report, made on {date}: {periods}. We "
                                        "show them the same here. Then reports can be compared, and no small number "
                                        "can be found by subtracting one from the other.",
                                        date=t.date(datetime.fromisoformat(made_at)), periods="; ".join(shown))))
    sections: tuple[Callable[[Report, Translator], list[Block]], ...] = (
        summary_section, stories_section, feedback_section, heard_section, polls_section, deliberations_section,
        report_professionals.section, contacts_section, participation_section, privacy_section)
    for section in sections:
        doc.blocks.extend(section(report, t))
    return doc


def _areas(report: Report, t: Translator) -> list[tuple[str, str]]:
    """The neighbourhoods, and the whole selection first when there are several."""
    return ([(ALL, _and(t, [n for _, n in report.neighbourhoods]))] if report.several else []) + report.neighbourhoods


def _and(t: Translator, names: list[str]) -> str:
    """Names as a list in the report's language ("Centrum en Noord")."""
    return format_list(names, locale=t.locale) if names else ""


def _fewer(figure: Figure | None) -> bool:
    return figure is None or (figure.value is None and figure.hidden == FEWER)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _count(t: Translator, value: int | float | None) -> str:
    return t._("fewer than 5") if value is None else t.number(value)


def summary_section(report: Report, t: Translator) -> list[Block]:
    """B1: what residents told us, what we did, what is still open."""
    area = ALL if report.several else report.neighbourhoods[0][0]
    themes = sorted(((report.value("stories", "received", area, th) or 0, th) for th in report.themes),
                    reverse=True)
    top = [theme_name(t, th) for n, th in themes[:3] if n]
    told = t._("Residents shared {count} stories with us.", count=cell(t, report.get("stories", "received", area)))
    if top:
        told += " " + t._("They wrote most about: {themes}.", themes=", ".join(top))
    kept = sum(1 for c in report.commitments if c.state == "kept")
    did = t.n_("We gave feedback {n} time: what we did, and why.", "We gave feedback {n} times: what we did, and "
               "why.", len(report.said_did))
    did += " " + t.n_("We kept {kept} of {n} promise with a date.", "We kept {kept} of {n} promises with a date.",
                      len(report.commitments), kept=t.number(kept))
    waiting = cell(t, report.get("stories", "waiting", area))
    without = cell(t, report.get("feedback", "without_feedback", area))
    late = sum(1 for c in report.commitments if c.state == "late")
    still = t._("Stories waiting for a decision: {waiting}. Stories without feedback: {without}. Promises that "
                "are late: {late}.", waiting=waiting, without=without, late=t.number(late))
    return [Heading(2, t._("In short")),
            Heading(3, t._("What residents told us")), Paragraph(told),
            Heading(3, t._("What we did")), Paragraph(did),
            Heading(3, t._("What is still open")), Paragraph(still)]


def _theme_rows(report: Report, t: Translator, section: str, measures: tuple[str, ...], hood: str,
                themes: list[str]) -> tuple[tuple[str, ...], ...]:
    return tuple((theme_name(t, th), *(cell(t, report.get(section if m != "received" else "stories", m, hood, th,
                                                          period)) for m, period in measures_periods(measures)))
                 for th in [*themes, ALL])


COMPARED = ("received", "yes")  # also shown for the period before (the CSV has every figure for both)


def measures_periods(measures: tuple[str, ...]) -> list[tuple[str, str]]:
    """Each measure for the period, the main ones also for the period before (right after it)."""
    found = []
    for m in measures:
        found.append((m, "current"))
        if m in COMPARED:
            found.append((m, "previous"))
    return found


def _headers(t: Translator, measures: tuple[str, ...]) -> tuple[str, ...]:
    names = []
    for m, period in measures_periods(measures):
        names.append(t._("{measure} (period before)", measure=t._(MEASURES[m])) if period == "previous"
                     else t._(MEASURES[m]))
    return (t._("Theme"), *names)


def stories_section(report: Report, t: Translator) -> list[Block]:
    blocks: list[Block] = [Heading(2, t._("Stories per theme")), Paragraph(t._(
        "How to read the tables: \"fewer than 5\" means 0 to 4. \"Not shown\" means we hide the number, so that "
        "nobody can work out a small number from it. \"At least\" is a total of several neighbourhoods where the "
        "number of one of them is not shown."))]
    measures = ("received", "published", "rejected", "waiting")
    for hood, name in _areas(report, t):
        bars = tuple(Bar(theme_name(t, th), tuple(report.value("stories", "received", hood, th, p)
                                                   for p in ("current", "previous")),
                         tuple(cell(t, report.get("stories", "received", hood, th, p))
                               for p in ("current", "previous"))) for th in report.themes)
        blocks.append(Heading(3, name))
        if bars:
            values = "; ".join(t._("{theme}: this period {current}, period before {previous}", theme=bar.label,
                                   current=bar.texts[0], previous=bar.texts[1]) for bar in bars)
            blocks.append(Chart(t._("Stories received per theme in {area}", area=name),
                                t._("Bar chart: stories received per theme, this period and the period before. "
                                    "The same numbers are in the table below.") + " " + values,
                                (t._("This period"), t._("Period before")), bars))
        blocks.append(Table(t._("Stories in {area}", area=name), _headers(t, measures),
                            _theme_rows(report, t, "stories", measures, hood, report.themes)))
    few = []
    for hood, name in _areas(report, t):
        if all(_fewer(report.get("stories", "rejected", hood, ALL, period)) for period in PERIODS):
            if hood != ALL and report.several and _areas(report, t)[0][1] in few:
                continue  # the whole selection is named already
            few.append(name)  # every reason would read "fewer than 5"
            continue
        rows = tuple((_capital(t._(label)), *(cell(t, report.get("stories", "rejected_by_reason", hood, ALL, period,
                                                                 key)) for period in PERIODS))
                     for key, label in REASONS.items())
        blocks.append(Table(t._("Not published in {area}, by reason", area=name),
                            (t._("Reason"), t._("This period"), t._("Period before")), rows))
    if few:
        blocks.append(Paragraph(t._("Fewer than 5 stories were not published in {areas}, in this period and in the "
                                    "period before. So the reasons are not shown here.", areas="; ".join(few))))
    quotes = report.quotes
    if quotes:
        blocks.append(Heading(3, t._("In residents' words")))
        blocks.append(Paragraph(t._("A few published stories per theme, as they were published. Personal details "
                                    "were removed again for this report.")))
        blocks += [QuoteBlock(q.text, q.language, theme_name(t, q.theme)) for q in quotes]
    return blocks


def feedback_section(report: Report, t: Translator) -> list[Block]:
    blocks: list[Block] = [Heading(2, t._("Feedback: you said, we did, because"))]
    measures = ("with_feedback", "without_feedback", "share_with_feedback", "median_days", "p90_days")
    for hood, name in _areas(report, t):
        blocks.append(Table(t._("Feedback on the stories of {area}", area=name), _headers(t, measures),
                            _theme_rows(report, t, "feedback", measures, hood, report.themes)))
    if report.said_did:
        blocks.append(Heading(3, t._("What we did")))
        blocks.append(Items(tuple(
            t._("You said: {themes}. We did: {what} Because: {because} ({status}, {reference})",
                themes=", ".join(theme_name(t, th) for th in line.themes) or t._("All themes"),
                what=line.what, because=line.because, status=t._(FEEDBACK_STATUS.get(line.status, line.status)),
                reference=line.reference) for line in report.said_did)))
    if report.commitments:
        blocks.append(Table(t._("Promises with a date"),
                            (t._("Reference"), t._("Theme"), t._("What"), t._("Date"), t._("Status")),
                            tuple((c.reference, ", ".join(theme_name(t, th) for th in c.themes) or t._("All themes"),
                                   c.what, t.date(c.due), t._(STATES[c.state])) for c in report.commitments)))
    return blocks


def heard_section(report: Report, t: Translator) -> list[Block]:
    themes = sorted({f.theme for f in report.figures if f.section == "heard" and f.theme != ALL})
    blocks: list[Block] = [Heading(2, t._("Did residents feel heard?"))]
    if not themes:
        return [*blocks, Paragraph(t._("Nobody answered this question in this period."))]
    for hood, name in _areas(report, t):
        blocks.append(Table(t._("Felt heard in {area}", area=name), _headers(t, ("yes", "partly", "no")),
                            _theme_rows(report, t, "heard", ("yes", "partly", "no"), hood, themes)))
    return blocks


def polls_section(report: Report, t: Translator) -> list[Block]:
    blocks: list[Block] = [Heading(2, t._("Polls"))]
    if not report.polls:
        return [*blocks, Paragraph(t._("No poll closed in this period."))]
    for poll in report.polls:
        blocks.append(Heading(3, poll.question))
        if poll.voters is None:
            blocks.append(Paragraph(t._("Too few people voted to show the result.")))
            continue
        kind = t._("Youth poll") if poll.youth else t._("Poll")
        blocks.append(Paragraph(t._("{kind} {reference}, closed on {date}: {voters} voters.", kind=kind,
                                    reference=poll.reference, date=t.date(poll.closed), voters=t.number(poll.voters))))
        blocks.append(Table(t._("Result of {reference}", reference=poll.reference), (t._("Option"), t._("Votes")),
                            tuple((label, _count(t, votes) if why != "complementary" else
                                   t._("hidden to protect a small number")) for label, votes, why in poll.options)))
    return blocks


def deliberations_section(report: Report, t: Translator) -> list[Block]:
    blocks: list[Block] = [Heading(2, t._("Neighbourhood conversations"))]
    if not report.deliberations:
        return [*blocks, Paragraph(t._("No conversation was open in this period."))]
    for d in report.deliberations:
        blocks.append(Heading(3, d.question))
        blocks.append(Paragraph(t._("{reference}: {participants} residents took part.", reference=d.reference,
                                    participants=_count(t, d.participants))))
        if d.common_ground:
            blocks += [Paragraph(t._("Common ground:")), Items(d.common_ground)]
        if d.divisive:
            blocks += [Paragraph(t._("What divides:")), Items(d.divisive)]
        if d.groups:
            blocks.append(Table(t._("Opinion groups in {reference}", reference=d.reference),
                                (t._("Group"), t._("Members")),
                                tuple((t.number(i), t._("hidden to protect a small number") if size is None
                                       else t.number(size)) for i, size in enumerate(d.groups, 1))))
    return blocks


def contacts_section(report: Report, t: Translator) -> list[Block]:
    blocks: list[Block] = [Heading(2, t._("Contact persons and continuity"))]
    if not report.positions:
        return [*blocks, Paragraph(t._("No contact persons are known for this period."))]
    names = dict(report.neighbourhoods)
    rows = tuple((t._("{neighbourhood}: {theme}", neighbourhood=names.get(p.neighbourhood, p.neighbourhood),
                      theme=theme_name(t, p.theme)),
                  p.role or t._("vacant"), p.organisation or "–", t.date(p.since) if p.since else "–",
                  t.number(p.tenure_days) if p.tenure_days is not None else "–", t.number(p.handovers),
                  t.number(p.vacant_days)) for p in report.positions)
    blocks.append(Table(t._("Contact persons at the end of the period"),
                        (t._("Position"), t._("Role"), t._("Organisation"), t._("Since"), t._("Days in this post"),
                         t._("Handovers in the period"), t._("Days without a contact person")), rows))
    return blocks


def participation_section(report: Report, t: Translator) -> list[Block]:
    blocks: list[Block] = [Heading(2, t._("Who took part"))]
    languages = {code: Locale.parse(code).get_display_name(t.locale) or code for code in LANGUAGES}
    for hood, name in _areas(report, t):
        rows: list[tuple[str, ...]] = []
        for measure, label, names in (("joined_by_channel", t._("Joined through {category}"), CHANNELS),
                                      ("joined_by_language", t._("Joined in {category}"), languages),
                                      ("stories_by_language", t._("Stories written in {category}"), languages)):
            categories = sorted({f.category for f in report.figures if f.measure == measure})
            rows += [(label.format(category=names.get(c, c)),
                      *(cell(t, report.get("participation", measure, hood, ALL, p, c)) for p in PERIODS))
                     for c in categories]
        rows.append((t._("Residents using the bot at the end of the period"),
                     *(cell(t, report.get("participation", "registered", hood, ALL, p)) for p in PERIODS)))
        for measure, label in (("registered_per_1000", t._("Residents using the bot per 1,000 residents")),
                               ("stories_per_1000", t._("Stories per 1,000 residents"))):
            if report.get("participation", measure, hood) is not None:
                rows.append((label, *(cell(t, report.get("participation", measure, hood, ALL, p))
                                      for p in PERIODS)))
        blocks.append(Table(t._("Taking part in {area}", area=name),
                            (t._("Figure"), t._("This period"), t._("Period before")), tuple(rows)))
    return blocks


def privacy_section(report: Report, t: Translator) -> list[Block]:
    return [Heading(2, t._("How we protect privacy")), Items((
        t._("This report holds no names, no messages of residents except published stories, and no account "
            "numbers."),
        t._("A number under 5 is shown as \"fewer than 5\". Sometimes a second number is hidden too, so that the "
            "small one cannot be worked out."),
        t._("A total over several neighbourhoods adds up only the numbers that are shown."),
        t._("We keep a list of every report we make. A number is hidden too when comparing it with an earlier "
            "report about some of the same days would show a number under 5."),
        t._("Quotes come only from themes with at least 5 published stories, and personal details are removed "
            "again."),
        t._("Made on {date}.", date=t.date(_generated(report))),
    ))]


def _generated(report: Report) -> datetime:
    return datetime.fromisoformat(report.generated)
