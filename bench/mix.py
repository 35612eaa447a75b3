"""What simulated Telegram users do in the throughput benchmark: scenarios of steps, and mixes of scenarios.

A step is one update a person sends (a text or a button press) and the bot message it waits for before the
next step (``expect``: ``"text:…"``, a piece of that message's text, or ``"button:…"``, a button it carries):
a new message, or the pressed message once the bot has edited its answer into it. A press acts on the message
the previous step waited for. A mix is a cycle of scenarios each simulated user runs again and again; the
default, ``onboard,share,vote``, is the issue's realistic mix: a new resident onboards, shares a story, and
votes in a poll (then changes the vote), and the next cycle is a new resident. Scenarios marked ``fresh``
start with a new Telegram user.

Pluggable: add a scenario to ``SCENARIOS`` and name it in ``--mix``. ``vote`` needs an open poll in Centrum and
``deliberate`` an open deliberation; bench/throughput.py seeds them when the mix names them.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MIX = "onboard,share,vote"
TYPED_MIX = "onboard-typed,share-typed,vote-typed"
ECHO_MIX = "echo"

STORY = ("The lift in our flat has been broken for a month. My neighbour with a walker cannot go out; "
         "call me on 06-12345678 if you want to know more.")


@dataclass(frozen=True)
class Step:
    action: str  # "text" or "press"
    value: str  # the text ({n} becomes a counter), or the label of the button to press
    expect: str  # "text:<part of the awaited message>" or "button:<label of a button on it>"


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: tuple[Step, ...]
    fresh: bool = False  # starts with a new Telegram user (nobody the bot knows)


def text(value: str, expect: str) -> Step:
    return Step("text", value, expect)


def press(label: str, expect: str) -> Step:
    return Step("press", label, expect)


SCENARIOS: dict[str, Scenario] = {
    # The framework's own limit: one text message, one message back (the bare echo bot only).
    "echo": Scenario("echo", (text("echo {n}", "text:echo {n}"),)),
    # /start (in the app's language, English), neighbourhood and consent by buttons; ends at the menu.
    "onboard": Scenario("onboard", (
        text("/start", "button:Centrum"),
        press("Centrum", "button:Yes, I agree"),
        press("Yes, I agree", "text:What would you like to do?"),
    ), fresh=True),
    # /share: theme, story (with a phone number for the scrubber), place, no photo, anonymous, send.
    "share": Scenario("share", (
        text("/share", "button:Housing"),
        press("Housing", "text:Tell us in your own words"),
        text(STORY, "button:Skip"),
        text("Kerkstraat", "button:Skip"),
        press("Skip", "button:Anonymous"),
        press("Anonymous", "button:Send"),
        press("Send", "text:Your reference is"),
    )),
    # The same two by typing instead of pressing (numbers and labels are understood as answers): one reply per
    # update, no answerCallbackQuery or edit, so the Bot API work per update is close to the echo's.
    "onboard-typed": Scenario("onboard-typed", (
        text("/start", "text:In which neighbourhood"),
        text("Centrum", "text:Do you agree?"),
        text("1", "text:What would you like to do?"),
    ), fresh=True),
    "share-typed": Scenario("share-typed", (
        text("/share", "text:Choose a theme"),
        text("Housing", "text:Tell us in your own words"),
        text(STORY, "text:Where is this?"),
        text("Kerkstraat", "text:add a photo"),
        text("Skip", "text:how may we show it"),
        text("Anonymous", "text:This is what you are sending"),
        text("Send", "text:Your reference is"),
    )),
    # /polls: the open poll in Centrum (seeded by bench/throughput.py) with its options as buttons; a tap votes
    # (the poll becomes the receipt, options again), a second tap changes the vote.
    "vote": Scenario("vote", (
        text("/polls", "button:Benches"),
        press("Benches", "text:Your vote: Benches"),
        press("A playground", "text:Your vote: A playground"),
    )),
    "vote-typed": Scenario("vote-typed", (
        text("/polls", "text:What should come"),
        text("2", "text:Your vote: Benches"),
        text("1", "text:Your vote: A playground"),
    )),
    # /help from a resident the bot knows already (bench/pg_turn.py: the users of its database), each cycle another.
    "help": Scenario("help", (text("/help", "text:/share"),), fresh=True),
    # /deliberate: a round of five statements (Agree / Disagree), then stop.
    "deliberate": Scenario("deliberate", (
        text("/deliberate", "button:Agree"),
        press("Agree", "button:Agree"),
        press("Disagree", "button:Agree"),
        press("Agree", "button:Agree"),
        press("Agree", "button:Agree"),
        press("Disagree", "button:Stop for now"),
        press("Stop for now", "text:Thank you for taking part"),
    )),
}


def parse(mix: str) -> list[Scenario]:
    """``"onboard,share,share"`` -> the scenarios, in order; a cycle that needs a resident starts with onboarding."""
    names = [name.strip() for name in mix.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if not names or unknown:
        raise ValueError(f"unknown scenario(s) {unknown} in mix {mix!r}; known: {', '.join(SCENARIOS)}")
    scenarios = [SCENARIOS[name] for name in names]
    if not scenarios[0].fresh and names != ["echo"]:
        raise ValueError(f"a mix must start with a scenario for a new user (onboard), not {names[0]!r}")
    return scenarios


def updates_per_cycle(mix: str) -> int:
    return sum(len(scenario.steps) for scenario in parse(mix))
