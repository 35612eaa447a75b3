"""Deliberation in the chat (issue 8): organisers open and close from the moderation room, residents are invited
through the outbox, vote in rounds, add statements that wait for moderation, and get a summary built by the
scheduled recompute. Time and delivery are driven by hand (ManualClock, outbox.drain, scheduler.run)."""

from __future__ import annotations

import json
import logging

import pytest

from bot.app import App
from bot.channels.base import Actor, Address, Incoming, Reply
from bot.engine import deliberation, deliberation_results
from bot.engine.deliberation_snapshot import loads
from bot.store import deliberations as repo
from bot.store import residents as residents_repo
from bot.store.deliberations import Deliberation
from tests.engine.test_moderation import MOD_ROOM, organiser
from tests.support import Person, Recorder

QUESTION = "How do we make the square safer?"
SEEDS = ("More lighting", "Benches for older people", "Cameras", "Close the square at night",
         "A youth worker in the evening", "Police on bikes")
OPEN = f'!deliberate "{QUESTION}" | ' + " | ".join(SEEDS)


async def room(app: App, line: str, moderator: bool = True, user: str = "@org:localhost") -> str:
    replies = await app.dispatch(organiser(app, line, moderator=moderator, user=user))
    return "\n".join(r.text for r in replies)


async def opened(app: App, line: str = OPEN) -> Deliberation:
    answer = await room(app, line)
    assert " is open in Centrum; " in answer, answer
    async with app.db.transaction() as tx:
        d = await repo.by_reference(tx, answer.split()[0])
    assert d is not None
    return d


async def current(app: App, d: Deliberation) -> Deliberation:
    async with app.db.transaction() as tx:
        fresh = await repo.get(tx, d.id)
    assert fresh is not None
    return fresh


async def resident(app: App, user: str, neighbourhood: str = "centrum") -> Person:
    person = Person(app, user, channel="telegram")
    await person.onboard(neighbourhood)
    return person


def press(person: Person, key: str, turn: int | None = None) -> Incoming:
    return Incoming(person.actor, person.address, choice=key, choice_turn=turn)


def last_question(person: Person) -> Reply:
    return next(r for r in reversed(person.last) if r.choices)


async def test_a_moderator_opens_a_deliberation_and_anyone_else_is_refused(app: App) -> None:
    refused = await room(app, OPEN, moderator=False, user="@someone:localhost")
    assert "only moderators" in refused
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM deliberations") == 0
    assert "not a moderation room" in "\n".join(r.text for r in await app.dispatch(
        organiser(app, OPEN, room="!other:localhost")))
    assert "Use: !deliberate" in await room(app, '!deliberate "Only a question"')
    d = await opened(app, '!praatmee "Wat doen we met het plein?" | Meer licht | Camera\'s')
    assert d.reference == "D-2026-0001" and d.question == "Wat doen we met het plein?" and d.is_open
    listed = await room(app, "!gesprekken")
    assert "D-2026-0001 · open · participants: 0 · waiting for moderation: 0 · Wat doen we met het plein?" in listed
    overview = await room(app, "!deliberation D-2026-0001")
    assert "Participants: 0 · votes: 0 · statements: 2 · waiting for moderation: 0" in overview
    assert "No results yet" in overview
    assert "!close-deliberation" in await room(app, "!deliberation")  # alone: the help
    assert "I cannot find D-2026-0099" in await room(app, "!deliberation D-2026-0099")


async def test_opted_in_residents_of_the_neighbourhood_get_an_invitation_through_the_outbox(
        app: App, telegram_recorder: Recorder) -> None:
    await resident(app, "anna")
    ben = await resident(app, "ben")
    await ben.say("/settings")
    await ben.say("How often you hear from us")
    await ben.say("Never")  # feedback "off": not invited
    await resident(app, "cem", "noord")
    answer = await room(app, OPEN)
    assert "D-2026-0001 is open in Centrum; statements to start with: 6. 1 resident is invited." in answer
    assert telegram_recorder.sent == []  # queued with the opening, delivered by the dispatcher
    assert await app.outbox.drain() == 1
    invitation = telegram_recorder.sent[0]
    assert invitation.address == Address("telegram", "anna")
    assert QUESTION in invitation.text and "Nobody sees how you voted" in invitation.text
    assert [(c.key, c.label) for c in invitation.choices] == [("delib.1.join", "Join")]


async def test_a_full_round_own_statement_moderation_and_the_next_participant(
        app: App, telegram_recorder: Recorder, matrix_recorder: Recorder, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot")  # our own logging, even at DEBUG, never has vote contents
    caplog.set_level(logging.DEBUG, logger="handlers")
    anna = await resident(app, "anna")
    d = await opened(app)
    await app.outbox.drain()
    join = telegram_recorder.sent[-1].choices[0]
    await anna.send(press(anna, join.key))  # the Join button under the invitation
    assert QUESTION in anna.text() and "Statement 1 of 5:" in anna.text()
    assert [c.key for c in last_question(anna).choices] == ["agree", "disagree", "pass"]
    shown = [last_question(anna).text]
    await anna.send(press(anna, "agree", last_question(anna).turn))
    shown.append(last_question(anna).text)
    await anna.say("2")  # typed: Disagree
    shown.append(last_question(anna).text)
    await anna.say("Pass")
    shown.append(last_question(anna).text)
    await anna.say("maybe")  # not an answer: asked again, nothing stored
    assert "Please choose Agree, Disagree or Pass." in anna.text()
    await anna.say("agree")
    shown.append(last_question(anna).text)
    assert "Statement 5 of 5:" in shown[-1]
    await anna.say("disagree")
    assert "You gave your opinion on 5 statements." in anna.text()
    menu = last_question(anna)
    assert [c.key for c in menu.choices] == ["more", "add", "results", "stop"]
    texts = [text.split("“")[1].rstrip("”") for text in shown]
    assert len(set(texts)) == 5 and set(texts) <= set(SEEDS)
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM deliberation_votes") == 5
        assert sorted(r[0] for r in await tx.all("SELECT vote FROM deliberation_votes")) == [-1, -1, 0, 1, 1]

    await anna.say("Add my own statement")
    await anna.say("Too short")
    assert "A statement needs 10 to 140 characters; yours has 9." in anna.text()
    await anna.say("A football cage for the teenagers, call me at 06-12345678")
    assert "goes to a moderator first" in anna.text() and "phone number" in anna.text()
    async with app.db.transaction() as tx:
        own = (await repo.statements(tx, d.id, "pending"))[0]
    assert own.text == "A football cage for the teenagers, call me at [telefoonnummer]"
    # Waiting for moderation: the next participant does not see it.
    bob = await resident(app, "bob")
    await bob.say("/deliberate")
    assert "[telefoonnummer]" not in bob.text() and "Statement 1 of 5:" in bob.text()
    await bob.say("/stop")

    await app.outbox.drain()
    post = matrix_recorder.sent[-1]
    assert post.address == Address("matrix", MOD_ROOM, private=False) and post.reactions == ("✅", "🚫")
    assert own.reference in post.text and "06-12345678" not in post.text and "phone number" in post.text
    reaction = Incoming(Actor("matrix", "@org:localhost"), Address("matrix", MOD_ROOM, private=False),
                        reaction="✅", reacted_to=f"$matrix-{len(matrix_recorder.sent)}", moderator=True)
    replies = await app.dispatch(reaction)
    assert f"{own.reference} approved" in replies[0].text
    await app.outbox.drain()
    assert "has been approved" in telegram_recorder.texts("anna")[-1]

    # Approved: shown to the next participant, first (new and unvoted), and never to its author.
    carol = await resident(app, "carol")
    await carol.say("/praatmee")
    assert "A football cage for the teenagers" in last_question(carol).text
    await anna.say("More statements")
    assert "Statement 1 of 1:" in anna.text() and "A football cage" not in anna.text()
    await anna.say("agree")
    assert "You have seen all statements for now." in anna.text()
    assert [c.key for c in last_question(anna).choices] == ["add", "results", "stop"]
    await anna.say("Stop for now")
    assert "Thank you for taking part!" in anna.text()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(seed in logged for seed in SEEDS) and "football" not in logged


async def test_reject_needs_a_reason_which_reaches_the_author(app: App, telegram_recorder: Recorder) -> None:
    anna = await resident(app, "anna")
    d = await opened(app)
    await anna.say("/deliberate")
    for _ in range(5):
        await anna.say("pass")
    await anna.say("Add my own statement")
    await anna.say("The neighbour at number 5 is the problem")
    async with app.db.transaction() as tx:
        own = (await repo.statements(tx, d.id, "pending"))[0]
    assert "Please give a reason" in await room(app, f"!reject-statement {own.reference}")
    assert "rejected" in await room(app, f"!stelling-afwijzen {own.reference} It is about one person.")
    assert "already rejected" in await room(app, f"!approve-statement {own.reference}")
    await app.outbox.drain()  # the decision goes before the queued invitation (interactive before bulk)
    assert any("The reason: It is about one person." in text for text in telegram_recorder.texts("anna"))


async def camps(app: App, d: Deliberation) -> dict[str, int]:
    """40 residents in two camps and 3 outliers, voting through the engine API. Returns user -> resident id."""
    ids: dict[str, int] = {}
    async with app.db.transaction() as tx:
        statements = [s.id for s in await repo.statements(tx, d.id, "approved")]
        for i in range(43):
            user = f"r{i}"
            person = await residents_repo.create(tx, "telegram", user, user, "en", "centrum", app.services.now_iso())
            ids[user] = person.id
            for j, statement in enumerate(statements):
                if i >= 40:  # outliers: against the common ground, passing the rest
                    answer = "disagree" if j < 2 else "pass"
                elif j < 2:  # lighting and benches: everyone agrees
                    answer = "agree"
                else:  # camp A (r0..r19) wants cameras and closing; camp B (r20..r39) a youth worker and police
                    answer = "agree" if (i < 20) == (j < 4) else "disagree"
                await deliberation.vote(tx, app.services, d, person.id, statement, answer)
    return ids


async def test_the_scheduled_recompute_finds_groups_and_the_closing_summary_shows_them(
        app: App, telegram_recorder: Recorder) -> None:
    d = await opened(app)
    await camps(app, d)
    assert loads((await current(app, d)).snapshot) is None  # votes do not trigger the math
    await app.scheduler.run(deliberation_results.JOB_NAME)
    d = await current(app, d)
    snapshot = loads(d.snapshot)
    assert snapshot is not None and snapshot.participants == 43 and d.computed_changes == d.changes
    assert sorted(g.size for g in snapshot.overview.groups) == [20, 20]
    assert snapshot.hidden_groups == 1  # the three outliers form a group, never shown
    assert await deliberation_results.recompute_due(app.services) == 0  # nothing changed: nothing to do

    overview = await room(app, f"!deliberation {d.reference}")
    assert "2 opinion groups shown, 1 too small to show" in overview
    assert "Group A (20 people):" in overview and "Group B (20 people):" in overview and "(3 people)" not in overview
    ground = overview.split("Common ground")[1].split("What divides")[0]
    assert "More lighting" in ground and "Benches for older people" in ground and "Cameras" not in ground
    divides = overview.split("What divides the groups:")[1].split("Group A")[0]
    assert all(seed in divides for seed in SEEDS[2:])

    r0 = Person(app, "r0", channel="telegram")
    await r0.say("/deliberate results")
    assert "Most people in every group agree with:\n• More lighting" in r0.text() or (
        "Most people in every group agree with:\n• Benches for older people" in r0.text())
    assert "How your group sees it (20 people who vote like you):" in r0.text()
    assert "• Cameras: 100% agree" in r0.text() and "• A youth worker in the evening: 100% disagree" in r0.text()

    answer = await room(app, f"!sluit {d.reference}")
    assert f"{d.reference} is closed; 43 participants get the summary." in answer
    assert "closed" in await room(app, "!deliberations")
    await app.outbox.drain()
    summary = telegram_recorder.texts("r25")[-1]
    assert summary.startswith(f"Results of the neighbourhood conversation {d.reference}:")
    assert "43 neighbours took part." in summary and "More lighting" in summary.split("This divides")[0]
    assert "How your group sees it (20 people" in summary and "• A youth worker in the evening: 100% agree" in summary
    outlier = telegram_recorder.texts("r41")[-1]
    assert "How your group sees it" not in outlier and "We do not show an opinion group for you" in outlier
    assert "3 people" not in outlier
    assert "already closed" in await room(app, f"!close-deliberation {d.reference}")


async def test_a_vote_can_be_changed_and_the_latest_wins(app: App) -> None:
    d = await opened(app)
    await resident(app, "anna")
    async with app.db.transaction() as tx:
        anna = await residents_repo.get(tx, "telegram", "anna")
        assert anna is not None
        first = (await repo.statements(tx, d.id, "approved"))[0].id
        await deliberation.vote(tx, app.services, d, anna.id, first, "agree")
        await deliberation.vote(tx, app.services, d, anna.id, first, "disagree")
        assert await repo.vote_rows(tx, d.id) == [(anna.id, first, -1)]


async def test_forged_and_stale_buttons_change_nothing(app: App) -> None:
    anna = await resident(app, "anna")
    cem = await resident(app, "cem", "noord")
    d = await opened(app)
    stranger = Person(app, "stranger", channel="telegram", language_hint="en")
    for person, key in ((cem, "delib.1.join"), (anna, "delib.999.join"), (anna, "delib.1.leave"),
                        (anna, "delib.one.join"), (stranger, "delib.1.join")):
        await person.send(press(person, key))
        assert "This button has expired" in person.text() and all(r.refused for r in person.last)
    await anna.send(press(anna, "delib.1.join"))
    turn = last_question(anna).turn
    await anna.send(press(anna, "agree", turn))
    now = last_question(anna).turn
    await anna.send(press(anna, "agree", turn))  # the same button again: an earlier turn now
    assert "This button has expired" in anna.text()
    await anna.send(press(anna, "more", now))  # a key that was not offered
    assert "This button has expired" in anna.text()
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM deliberation_votes") == 1
        assert await tx.value("SELECT COUNT(*) FROM deliberation_participants") == 1  # cem never joined
    await room(app, f"!close-deliberation {d.reference}")
    await anna.send(press(anna, "delib.1.join"))
    assert "has closed" in anna.text()
    await anna.say("agree")  # still in the dialogue: it ends politely
    assert "has closed" in anna.text()


async def test_mydata_shows_and_forget_erases_votes_and_statements(app: App) -> None:
    anna = await resident(app, "anna")
    d = await opened(app)
    await anna.say("/deliberate")
    await anna.say("agree")
    await anna.say("disagree")
    await anna.say("/deliberate")
    await anna.say("pass")
    await anna.say("/stop")
    await anna.say("/deliberate")
    for _ in range(3):
        await anna.say("pass")
    await anna.say("Add my own statement")
    await anna.say("Plant trees along the square")
    await anna.say("/mydata")
    attachment = next(r.attachment for r in anna.last if r.attachment is not None)
    exported = json.loads(attachment.data or b"")
    assert sorted(v["vote"] for v in exported["deliberation_votes"]) == [-1, 0, 0, 0, 0, 1, 1]  # incl. own agree
    assert [s["text"] for s in exported["deliberation_statements"]] == ["Plant trees along the square"]
    assert "You reacted to 7 statements in neighbourhood conversations." in anna.text()  # the text view too
    assert "S-" in anna.text() and "Plant trees along the square" in anna.text()
    await app.scheduler.run(deliberation_results.JOB_NAME)
    before = (await current(app, d)).changes
    await anna.say("/forget")
    await anna.say("Erase me and my stories")
    assert "We have erased your data" in anna.text()
    async with app.db.transaction() as tx:
        assert await tx.value("SELECT COUNT(*) FROM deliberation_votes") == 0
        assert await tx.value("SELECT COUNT(*) FROM deliberation_participants") == 0
        assert await tx.value("SELECT COUNT(*) FROM deliberation_statements WHERE text LIKE 'Plant%'") == 0
    assert (await current(app, d)).changes > before  # the next recompute drops her votes from the aggregates
    assert await deliberation_results.recompute_due(app.services) == 1
    snapshot = loads((await current(app, d)).snapshot)
    assert snapshot is not None and snapshot.participants == 0 and snapshot.stats == {}


async def test_a_typed_answer_joins_on_matrix_and_residents_choose_between_conversations(
        app: App, matrix_recorder: Recorder) -> None:
    dana = Person(app, "dana", channel="matrix")
    await dana.onboard("centrum")
    await dana.say("/deliberate")
    assert "There is no neighbourhood conversation in your neighbourhood right now." in dana.text()
    await opened(app)
    await app.outbox.drain()
    assert matrix_recorder.sent[-1].choices[0].key == "delib.1.join"
    await dana.say("1")  # Matrix shows the button as a numbered list
    assert "Neighbourhood conversation D-2026-0001:" in dana.text() and "Statement 1 of 5:" in dana.text()
    await dana.say("/stop")
    await opened(app, '!deliberate "What should the new playground have?" | A climbing frame | Swings')
    await dana.say("/deliberate")
    assert "Which conversation do you want to join?" in dana.text()
    assert [c.label for c in last_question(dana).choices] == ["What should the new playground have?", QUESTION]
    await dana.say("1")
    assert "Neighbourhood conversation D-2026-0002:" in dana.text() and "Statement 1 of 2:" in dana.text()


async def test_forget_keeping_stories_keeps_an_approved_statement_without_its_author(app: App) -> None:
    anna = await resident(app, "anna")
    d = await opened(app, '!deliberate "What should the new playground have?" | A climbing frame')
    await anna.say("/deliberate")
    await anna.say("agree")
    await anna.say("Add my own statement")
    await anna.say("Shade for parents on hot days")
    await anna.say("Add my own statement")
    await anna.say("A water tap near the sandpit")
    async with app.db.transaction() as tx:
        first, _waiting = await repo.statements(tx, d.id, "pending")
    await room(app, f"!approve-statement {first.reference}")
    await anna.say("/forget")
    await anna.say("Erase me, keep my stories anonymously")
    async with app.db.transaction() as tx:
        kept = await repo.statements(tx, d.id)
        assert await tx.value("SELECT COUNT(*) FROM deliberation_votes") == 0
    assert [(s.text, s.author_id) for s in kept] == [("A climbing frame", None),
                                                     ("Shade for parents on hot days", None)]
