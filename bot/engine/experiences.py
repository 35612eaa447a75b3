"""Sharing an experience: scrub personal data, give it a reference, store it in one transaction."""

from __future__ import annotations

from bot.engine import contacts, moderation
from bot.engine.scrub import MARKERS, ScrubResult, scrub
from bot.engine.scrub_addresses import without_house_numbers
from bot.services import Services
from bot.store import experiences as repo
from bot.store.db import Tx
from bot.store.experiences import Experience
from bot.store.residents import Resident

REFERENCE_PREFIX = "W"


async def of_resident(tx: Tx, resident: Resident) -> list[Experience]:
    """The resident's own stories and what happened with them (/status)."""
    return await repo.of_resident(tx, resident.id)


def clean_place_hint(typed: str) -> tuple[str, bool]:
    """A street or spot, never a house number: returns the hint and whether something was left out."""
    result = scrub(typed)
    text = result.text
    for marker in MARKERS.values():
        text = text.replace(marker, "")
    without_numbers = without_house_numbers(text)
    cleaned = " ".join(without_numbers.split()).replace(" ,", ",").strip(" ,.-")
    return cleaned[:120], result.changed or cleaned != " ".join(typed.split()).strip(" ,.-")


def coarse_location(latitude: float, longitude: float) -> str:
    """A shared location, rounded to about 100-200 metres: enough to find the spot, not the front door."""
    return f"≈ {round(latitude, 3):.3f}, {round(longitude, 3):.3f}"


async def public_text(tx: Tx, services: Services, neighbourhood_id: str, text: str) -> ScrubResult:
    """The story as organisers and the contact person will read it: the author's preview shows exactly this."""
    return scrub(text, keep=await moderation.kept_names(tx, services.config, neighbourhood_id))


async def share(tx: Tx, services: Services, resident: Resident, *, theme: str, text: str,
                place_hint: str | None, author_name: str | None, photo_ref: str | None) -> Experience:
    scrubbed = await public_text(tx, services, resident.neighbourhood_id, text)
    kinds = sorted({f.kind for f in scrubbed.findings})
    year = services.now().astimezone(services.config.timezone).year
    reference = await repo.next_reference(tx, REFERENCE_PREFIX, year)
    experience = await repo.insert(
        tx,
        reference=reference,
        resident_id=resident.id,
        neighbourhood_id=resident.neighbourhood_id,
        theme=theme,
        text=text,
        text_public=scrubbed.text,
        scrubbed_kinds=",".join(kinds),
        place_hint=place_hint,
        author_name=author_name,
        photo_ref=photo_ref,
        language=resident.language,
        now=services.now_iso(),
    )
    await moderation.submitted(tx, services, experience)
    await contacts.route_new_story(tx, services, experience)  # the responsible contact person, same transaction
    return experience
