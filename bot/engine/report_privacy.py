"""The report's privacy rules: no figure about fewer than 5 people, also not by subtracting one from another.

Counts about residents (stories, answers, people who joined, votes) are cells. A cell under 5 is never shown:
it reads "fewer than 5". Cells that add up to another shown cell form a *set* (published + rejected + waiting =
received; the themes of a neighbourhood = its total), and a set could give a hidden cell away by subtraction.
So in every set either nothing is hidden, or what is hidden adds up to 0 or to at least 5 and is more than one
cell; otherwise the smallest shown part is hidden too ("not shown"). This repeats until
no set changes (hiding only ever grows, so it ends).

Other rules, applied where the figures are made (bot/engine/report_figures.py): a total over several
neighbourhoods with a hidden part is "at least" the sum of the shown figures (``AT_LEAST``), so a neighbourhood's
total next to the overall total tells nothing new; a change against the previous period is shown only when both
figures are; shares and times need at least 5 stories behind them. Reports of overlapping periods are checked
against each other in bot/engine/report_overlap.py.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

MIN_COUNT = 5
FEWER = "fewer_than_5"  # the reason a figure is missing: under 5 itself ...
COMPLEMENT = "complementary"  # ... or hidden so that a small one cannot be worked out
AT_LEAST = "at_least"  # a total over neighbourhoods with a hidden part: the sum of the shown ones, a lower bound

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class CountSet:
    """Cells that add up: ``parts`` sum to ``total`` (None: a set without a shown total, e.g. options of a poll
    whose voters are shown elsewhere are still a set with that total)."""

    parts: tuple[Hashable, ...]
    total: Hashable | None = None


def protect(counts: dict[K, int], sets: Iterable[CountSet], already: dict[K, str] | None = None) -> dict[K, str]:
    """Which cells to hide, and why (``FEWER`` or ``COMPLEMENT``). ``counts`` must hold every cell of every set
    (a combination without rows is a 0); ``already`` are cells hidden for another reason (an earlier report, see
    bot/engine/report_overlap.py)."""
    hidden: dict[K, str] = {key: FEWER for key, value in counts.items() if value < MIN_COUNT}
    hidden.update(already or {})
    groups = list(sets)
    changed = True
    while changed:
        changed = False
        for group in groups:
            members = [*group.parts, *(() if group.total is None else (group.total,))]
            hidden_parts = [k for k in group.parts if k in hidden]
            shown_parts = [k for k in group.parts if k not in hidden]
            if not shown_parts:
                continue
            total_hidden = group.total is not None and group.total in hidden
            hidden_count = len([k for k in members if k in hidden])
            if group.total is None:
                continue
            if total_hidden:
                risky = hidden_count == 1  # the total alone is hidden: it is the sum of the shown parts
            else:
                hidden_sum = sum(counts[k] for k in hidden_parts)
                risky = hidden_count == 1 or 0 < hidden_sum < MIN_COUNT
            if risky:
                smallest = min(shown_parts, key=lambda k: counts[k])  # type: ignore[index]
                hidden[smallest] = COMPLEMENT  # type: ignore[index]
                changed = True
    return hidden


def shown_sum(values: Iterable[int | float | None]) -> int:
    """A total over neighbourhoods: the sum of the figures that are shown (hidden ones count for nothing)."""
    return int(sum(v for v in values if v is not None))
