"""What organisers see of the scrubber: flagged names in the moderation post, contact persons' names kept."""

from __future__ import annotations

from bot.app import App
from bot.store import experiences as experiences_repo
from tests.engine.contacts_support import ADD_ANNA, room
from tests.engine.test_moderation import MOD_ROOM
from tests.support import Person, Recorder


async def _share(app: App, story: str) -> str:
    person = Person(app, "anna")
    await person.onboard("centrum")
    for answer in ("/share", "Safety and crime", story, "Skip", "Skip", "Anonymous", "Send"):
        await person.say(answer)
    async with app.db.transaction() as tx:
        return str(await tx.value("SELECT reference FROM experiences ORDER BY id DESC LIMIT 1"))


async def test_the_moderation_post_names_what_may_be_a_name(app: App, matrix_recorder: Recorder) -> None:
    await _share(app, "Ik sprak met Kees over de lantaarns. Mijn buurman Henk de Jong zegt het ook.")
    await app.outbox.drain()
    post = matrix_recorder.texts(MOD_ROOM)[-1]
    assert "Mijn buurman [naam] zegt het ook" in post and "Henk" not in post
    assert "Removed before you saw it: name" in post
    assert "May contain a name: Kees" in post


async def test_a_story_without_likely_names_has_no_such_line(app: App, matrix_recorder: Recorder) -> None:
    await _share(app, "De lantaarns in de Kerkstraat zijn al weken kapot, bel 06-12345678.")
    await app.outbox.drain()
    post = matrix_recorder.texts(MOD_ROOM)[-1]
    assert "May contain a name" not in post and "[telefoonnummer]" in post


async def test_a_contact_persons_name_is_neither_replaced_nor_flagged(app: App, matrix_recorder: Recorder) -> None:
    await room(app, f"!contact add {ADD_ANNA}")
    story = "Wijkcoördinator Anna de Vries heeft ons goed geholpen, mevrouw de Vries belde terug."
    reference = await _share(app, story)
    async with app.db.transaction() as tx:
        stored = await experiences_repo.by_reference(tx, reference)
    assert stored is not None and stored.text_public == story
    await app.outbox.drain()
    post = matrix_recorder.texts(MOD_ROOM)[-1]
    assert "May contain a name" not in post and "Removed before you saw it" not in post
