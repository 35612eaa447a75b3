"""The configuration turns destinations into channel-neutral addresses the engine can use."""

from __future__ import annotations

from bot import config_addresses as addresses
from bot.channels.base import Address
from bot.config import Neighbourhood


def test_room_ids_aliases_and_prefixed_chats_become_addresses() -> None:
    assert addresses.parse("!abc:example.org") == Address("matrix", "!abc:example.org", private=False)
    assert addresses.parse("#wijk:example.org") == Address("matrix", "#wijk:example.org", private=False)
    assert addresses.parse("telegram:-1001") == Address("telegram", "-1001", private=False)
    assert addresses.contact("@anna:example.org", "55") == Address("matrix", "@anna:example.org", private=True)
    assert addresses.contact(None, "55") == Address("telegram", "55", private=True)
    assert addresses.contact(None, None) is None


def test_a_neighbourhood_lists_where_its_stories_appear() -> None:
    hood = Neighbourhood(id="n", name="N", moderation_room="!mod:x", public_rooms=("!pub:x", "#pub2:x"),
                         telegram_chat="-100")
    assert hood.moderation_address == Address("matrix", "!mod:x", private=False)
    assert hood.public_addresses == (Address("matrix", "!pub:x", private=False),
                                     Address("matrix", "#pub2:x", private=False),
                                     Address("telegram", "-100", private=False))
    assert Neighbourhood(id="m", name="M").public_addresses == ()
