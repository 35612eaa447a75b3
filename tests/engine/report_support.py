"""A known history for report tests, made through the bot itself (onboarding by dialogue, stories, decisions,
feedback and "did you feel heard?" through the engine), with every event also kept here in plain Python so
tests can compute each figure on their own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.clock import ManualClock
from bot.engine import experiences, feedback, moderation
from bot.store import residents as residents_repo
from tests.support import Person

LANGUAGE_LABELS = {"en": "English", "nl": "Nederlands", "ar": "العربية", "pl": "Polski"}
ARABIC_STORY = "الإنارة في شارعنا معطلة منذ شهر ونحن نخاف في المساء."


@dataclass
class Story:
    reference: str
    hood: str
    theme: str
    language: str
    created: datetime
    status: str = "new"  # approved, rejected or new
    first_feedback: datetime | None = None
    text: str = ""
    reason: str = ""  # the kind of reason a rejected story was filed under
    author: str = ""  # who shared it (a user id of this history)


@dataclass
class History:
    residents: list[tuple[str, str, str, datetime]] = field(default_factory=list)  # hood, channel, language, joined
    stories: list[Story] = field(default_factory=list)
    heard: list[tuple[str, str, str, datetime]] = field(default_factory=list)  # hood, theme, answer, at
    feedback_refs: list[str] = field(default_factory=list)
    answers: dict[str, list[str]] = field(default_factory=dict)  # feedback reference -> the stories it answers


async def _resident(app: App, clock: ManualClock, history: History, user: str, hood: str, language: str,
                    when: datetime) -> Person:
    clock.set(when)
    person = Person(app, user, channel="telegram")
    await person.say("/start")
    await person.say(LANGUAGE_LABELS[language])
    await person.say(hood)
    await person.say("1")
    history.residents.append((hood, "telegram", language, when))
    return person


async def _share(app: App, clock: ManualClock, history: History, user: str, theme: str, text: str,
                 when: datetime) -> Story:
    clock.set(when)
    async with app.db.transaction() as tx:
        resident = await residents_repo.get(tx, "telegram", user)
        assert resident is not None
        e = await experiences.share(tx, app.services, resident, theme=theme, text=text, place_hint=None,
                                    author_name="Fatima" if theme == "housing" else None, photo_ref=None)
    story = Story(e.reference, resident.neighbourhood_id, theme, resident.language, when, text=text, author=user)
    history.stories.append(story)
    return story


REASONS = {3: ("personal: it names a neighbour", "personal"), 4: ("dubbel - al gemeld", "duplicate"),
           11: ("5 a course, for money", "advertising")}


async def _decide(app: App, clock: ManualClock, story: Story, status: str, when: datetime,
                  reason: tuple[str, str] = ("off topic", "other")) -> None:
    clock.set(when)
    async with app.db.transaction() as tx:
        e = await moderation.find(tx, app.config, _room(app, story.hood), story.reference)
        if status == "approved":
            await moderation.approve(tx, app.services, e, "@org:localhost")
        else:
            await moderation.reject(tx, app.services, e, "@org:localhost", reason[0])
            story.reason = reason[1]
    story.status = status


def _room(app: App, hood: str) -> str:
    found = app.config.neighbourhood(hood)
    assert found is not None and found.moderation_room
    return found.moderation_room


async def _feedback(app: App, clock: ManualClock, history: History, stories: list[Story], when: datetime,
                    status: str = "done", commitment: datetime | None = None) -> str:
    clock.set(when)
    async with app.db.transaction() as tx:
        fb, _ = await feedback.record(tx, app.services, author="@org:localhost", neighbourhood=stories[0].hood,
                                      references=[s.reference for s in stories], theme=None, status=status,
                                      what="We repaired the lights.", because="Call 06-12345678 said it was urgent.",
                                      commitment=commitment)
    for story in stories:
        if story.first_feedback is None:
            story.first_feedback = when
    history.feedback_refs.append(fb.reference)
    history.answers[fb.reference] = [s.reference for s in stories]
    return fb.reference


async def _heard(app: App, clock: ManualClock, history: History, user: str, reference: str, answer: str,
                 when: datetime) -> None:
    clock.set(when)
    async with app.db.transaction() as tx:
        resident = await residents_repo.get(tx, "telegram", user)
        fb = await feedback.get(tx, reference)
        assert resident is not None and fb is not None
        await feedback.answer_heard(tx, app.services, resident, fb.id, answer)
    # the theme it counts for: the feedback's, else the answerer's own story it answers, else the one all share
    answered = [s for s in history.stories if s.reference in history.answers[reference]]
    own = [s.theme for s in answered if s.author == user]
    shared = {s.theme for s in answered}
    theme = fb.theme or (own[0] if own else next(iter(shared)) if len(shared) == 1 else "")
    history.heard.append((fb.neighbourhood_id, theme, answer, when))


THEME_PLAN = ["safety"] * 9 + ["housing"] * 7 + ["health"] * 3 + ["upbringing"]  # 20 stories in the period


async def seed(app: App, clock: ManualClock) -> History:
    """Centrum: 14 residents; 20 stories in the period (2026-01-01..06-30) and 6 in the period before; noord: 3
    residents with one story each in the period."""
    history = History()
    base = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    languages = ["en"] * 9 + ["nl"] * 3 + ["ar"] * 2
    people = []
    for index, language in enumerate(languages):
        joined = base - timedelta(days=200) + timedelta(days=index) if index < 6 else base + timedelta(days=index)
        people.append(await _resident(app, clock, history, f"c{index}", "centrum", language, joined))
    # the period before: 6 safety stories, all published, 5 with feedback after 2 days
    before = []
    for index in range(6):
        story = await _share(app, clock, history, f"c{index}", "safety", f"Old story number {index} about the dark "
                             "square.", datetime(2025, 9, 1, 10, tzinfo=UTC) + timedelta(days=index))
        await _decide(app, clock, story, "approved", story.created + timedelta(hours=5))
        before.append(story)
    await _feedback(app, clock, history, before[:5], datetime(2025, 9, 12, 10, tzinfo=UTC))
    # the period
    stories = []
    for index, theme in enumerate(THEME_PLAN):
        user = f"c{index % len(languages)}"
        language = languages[index % len(languages)]
        text = ARABIC_STORY if language == "ar" else f"Story {index}: the {theme} situation in our street is bad. " \
            "Mail me at jan@example.org."
        story = await _share(app, clock, history, user, theme, text,
                             datetime(2026, 2, 1, 8, tzinfo=UTC) + timedelta(days=3 * index, hours=index))
        stories.append(story)
    for index, story in enumerate(stories):
        if index in REASONS:
            await _decide(app, clock, story, "rejected", story.created + timedelta(hours=3), REASONS[index])
        elif index not in (18, 19):  # the Arabic stories are published last, so they are quoted
            later = timedelta(days=40 if story.language == "ar" else 0, hours=2)
            await _decide(app, clock, story, "approved", story.created + later)
    safety = [s for s in stories if s.theme == "safety"]
    housing = [s for s in stories if s.theme == "housing"]
    ref_safety = await _feedback(app, clock, history, safety[:7], datetime(2026, 4, 20, 10, tzinfo=UTC),
                                 commitment=datetime(2026, 5, 1, 10, tzinfo=UTC))
    await _feedback(app, clock, history, housing[:6], datetime(2026, 5, 10, 12, tzinfo=UTC), status="in_progress",
                    commitment=datetime(2026, 6, 1, 10, tzinfo=UTC))
    # heard answers on the safety feedback by the authors of the linked stories
    authors = sorted({f"c{stories.index(s) % len(languages)}" for s in safety[:7]})
    for number, user in enumerate(authors):
        answer = "yes" if number < 5 else "no"
        await _heard(app, clock, history, user, ref_safety, answer, datetime(2026, 4, 22, 10, tzinfo=UTC))
    # noord: 3 residents, 3 stories, one feedback, one heard answer
    small = []
    for index in range(3):
        await _resident(app, clock, history, f"n{index}", "noord", "en",
                        datetime(2026, 3, 1, 10, tzinfo=UTC) + timedelta(days=index))
        small.append(await _share(app, clock, history, f"n{index}", "health", f"Noord story {index} about the "
                                  "doctor.", datetime(2026, 3, 10, 10, tzinfo=UTC) + timedelta(days=index)))
    clock.set(datetime(2026, 7, 2, 9, tzinfo=UTC))
    return history
