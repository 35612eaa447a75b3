"""MSC3381 poll events as the Matrix adapter writes and reads them (pure helpers, no homeserver)."""

from __future__ import annotations

from bot.channels.base import Choice, Poll
from bot.channels.matrix.format import POLL_START, poll_end_content, poll_start_content, read_poll_response

RESPONSE = "org.matrix.msc3381.poll.response"


def test_poll_start_as_element_renders_it() -> None:
    content = poll_start_content(Poll("Meer licht?", (Choice("1", "Ja"), Choice("2", "Nee")), 1), "Meer licht?\n1. Ja")
    assert content[POLL_START] == {
        "question": {"org.matrix.msc1767.text": "Meer licht?", "body": "Meer licht?", "msgtype": "m.text"},
        "kind": "org.matrix.msc3381.poll.undisclosed", "max_selections": 1,
        "answers": [{"id": "1", "org.matrix.msc1767.text": "Ja"}, {"id": "2", "org.matrix.msc1767.text": "Nee"}]}
    assert content["org.matrix.msc1767.text"] == "Meer licht?\n1. Ja"
    end = poll_end_content("$start", "Results")
    assert end["m.relates_to"] == {"rel_type": "m.reference", "event_id": "$start"}
    assert end["org.matrix.msc3381.poll.end"] == {}


def test_responses_are_read_and_forged_ones_passed_on_to_be_refused() -> None:
    reference = {"m.relates_to": {"rel_type": "m.reference", "event_id": "$start"}}
    assert read_poll_response(RESPONSE, {**reference, RESPONSE: {"answers": ["2"]}}) == ("$start", ("2",))
    assert read_poll_response("m.poll.response", {**reference, "m.selections": ["1"]}) == ("$start", ("1",))
    assert read_poll_response(RESPONSE, {**reference, RESPONSE: {"answers": [2]}}) == ("$start", ("?",))
    assert read_poll_response(RESPONSE, {**reference, RESPONSE: {}}) == ("$start", ("?",))
    assert read_poll_response(RESPONSE, {RESPONSE: {"answers": ["1"]}}) is None  # not a reference to a poll
    assert read_poll_response("m.room.message", {**reference, RESPONSE: {"answers": ["1"]}}) is None
