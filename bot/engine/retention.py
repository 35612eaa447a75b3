"""Keeping the promise of the privacy statement: nothing personal is kept longer than ``retention_months``.

Every night:
- a resident who has not written to the bot for that long (judged by the day they last did, which the dialogue
  keeps in ``residents.last_active``) is erased as with /forget, keeping their stories without any link to them
  (so they still count for the neighbourhood);
- stories older than that lose everything personal (the author's own words, first name, photo and the link to
  the author); the scrubbed public text stays, as the neighbourhood's record;
- delivered or abandoned outbox messages (which hold the texts sent to residents) go after 30 days, and with
  them the attachments no queued message needs any more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.engine import privacy
from bot.engine.outbox import Dispatcher
from bot.scheduler import Scheduler
from bot.services import Services
from bot.store import experiences as experiences_repo
from bot.store import outbox as outbox_repo
from bot.store import residents as residents_repo

log = logging.getLogger(__name__)
OUTBOX_DAYS = 30


@dataclass(frozen=True)
class Swept:
    residents: int
    stories: int
    outbox: int


async def sweep(services: Services) -> Swept:
    now = services.now()
    cutoff = (now - timedelta(days=round(services.config.privacy.retention_months * 30.44))).isoformat(
        timespec="seconds")
    outbox_cutoff = (now - timedelta(days=OUTBOX_DAYS)).isoformat(timespec="seconds")
    async with services.db.transaction() as tx:
        residents = await residents_repo.inactive_since(tx, cutoff[:10])
        for resident in residents:
            await privacy.forget(tx, resident, keep_stories=True)
        stories = await experiences_repo.anonymise_older_than(tx, cutoff)
        outbox = await outbox_repo.purge(tx, outbox_cutoff)
        if residents or stories or outbox:
            tx.erased()  # after the commit the WAL is truncated: the erased bytes leave the files too
    if residents or stories or outbox:
        log.info("retention: erased %d inactive resident(s), anonymised %d old story(ies), dropped %d old"
                 " outbox message(s)", len(residents), stories, outbox)
    return Swept(len(residents), stories, outbox)


def install(scheduler: Scheduler, dispatcher: Dispatcher, services: Services) -> None:
    """The nightly sweep."""

    async def job() -> None:
        await sweep(services)

    scheduler.daily("retention", "03:30", job)
